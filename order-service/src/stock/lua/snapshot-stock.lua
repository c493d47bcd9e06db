-- One product's Redis state at one instant, for the reconciler.
-- KEYS[1] stock:{p}, KEYS[2] product:{p}, KEYS[3] reservations:{p}, KEYS[4] stock-ready:{p},
-- KEYS[5] inventory-sync:{p} (the last admin change inventory-service applied to the counter),
-- KEYS[6] stock-seq:{p} (the reservation sequence: reservations made later carry a higher one)
-- Reply: {counter or false, product hash as a field/value list, reservations as an id/entry list,
--         1 when the counter is marked ready else 0, last applied admin change id or false,
--         sequence or false}
return {
  redis.call('GET', KEYS[1]),
  redis.call('HGETALL', KEYS[2]),
  redis.call('HGETALL', KEYS[3]),
  redis.call('EXISTS', KEYS[4]),
  redis.call('GET', KEYS[5]),
  redis.call('GET', KEYS[6]),
}
