-- Compares a product's reservation sequence with the highest one recorded in MySQL (orders keep
-- the sequence their reservation got). Lower means this Redis went back in time (restored from an
-- older snapshot, a lagging replica): its ready flag goes and it is marked stale, so nothing sells from it before the
-- reconciler has rebuilt the product. A missing counter is left to the rebuild of lost counters.
-- KEYS[1] stock-seq:{p}, KEYS[2] stock-ready:{p}, KEYS[3] stock:{p}, KEYS[4] stock-stale:{p};
-- ARGV[1] highest sequence recorded in MySQL.
-- Replies 1 when found stale (the flag is gone now), 0 otherwise.
if redis.call('EXISTS', KEYS[3]) == 0 then
  return 0
end
if tonumber(redis.call('GET', KEYS[1]) or '0') < tonumber(ARGV[1]) then
  redis.call('DEL', KEYS[2])
  redis.call('SET', KEYS[4], '1')
  return 1
end
return 0
