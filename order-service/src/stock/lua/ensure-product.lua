-- Writes a product's catalogue entry when it is missing (inventory-service normally writes it).
-- KEYS[1] product:{p}
-- ARGV: name, priceCents, maxPerUser ('' = none), then the hash's field names of the three
--       (ProductHashFields in the contracts package). Replies 1 when written.
if redis.call('EXISTS', KEYS[1]) == 1 then
  return 0
end
redis.call('HSET', KEYS[1], ARGV[4], ARGV[1], ARGV[5], ARGV[2])
if ARGV[3] ~= '' then
  redis.call('HSET', KEYS[1], ARGV[6], ARGV[3])
end
return 1
