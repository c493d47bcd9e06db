-- Writes a product's catalogue entry when it is missing (inventory-service normally writes it).
-- KEYS[1] product:{p}; ARGV: name, priceCents, maxPerUser ('' = none). Replies 1 when written.
if redis.call('EXISTS', KEYS[1]) == 1 then
  return 0
end
redis.call('HSET', KEYS[1], 'name', ARGV[1], 'priceCents', ARGV[2])
if ARGV[3] ~= '' then
  redis.call('HSET', KEYS[1], 'maxPerUser', ARGV[3])
end
return 1
