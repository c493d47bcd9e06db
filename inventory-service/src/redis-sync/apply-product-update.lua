-- Applies one queued admin change of a product to Redis, at most once, atomically.
--
-- KEYS[1] stock:{id}          the sellable stock counter
-- KEYS[2] product:{id}        the catalogue hash
-- KEYS[3] inventory-sync:{id} the outbox id of the last update applied to this product
-- ARGV[1] outbox id (updates of one product arrive in id order; a replay is skipped)
-- ARGV[2] counter operation: SET | SET_IF_MISSING | ADJUST | REMOVE | NONE
-- ARGV[3] counter amount (value to set, or delta to add)
-- ARGV[4] catalogue operation: PUT | REMOVE
-- ARGV[5..7] hash field names for name, price in cents, per-user cap
-- ARGV[8..10] their values ('' as the cap removes the field)
-- ARGV[11] channel on which to publish the product id when the counter changed
-- ARGV[12] the product id
-- Returns 1 when applied, 0 when this update (or a later one) was applied before.
local id = tonumber(ARGV[1])
local last = tonumber(redis.call('GET', KEYS[3]) or '0')
if id <= last then
  return 0
end

local op = ARGV[2]
local stockChanged = false
if op == 'SET' then
  redis.call('SET', KEYS[1], ARGV[3])
  stockChanged = true
elseif op == 'SET_IF_MISSING' then
  stockChanged = redis.call('SET', KEYS[1], ARGV[3], 'NX') ~= false
elseif op == 'ADJUST' then
  -- A missing counter means "not loaded": it is rebuilt from MySQL, never created from a delta.
  if redis.call('EXISTS', KEYS[1]) == 1 then
    redis.call('INCRBY', KEYS[1], ARGV[3])
    stockChanged = true
  end
elseif op == 'REMOVE' then
  redis.call('DEL', KEYS[1])
  stockChanged = true
elseif op ~= 'NONE' then
  return redis.error_reply('unknown counter operation ' .. op)
end

if ARGV[4] == 'PUT' then
  redis.call('HSET', KEYS[2], ARGV[5], ARGV[8], ARGV[6], ARGV[9])
  if ARGV[10] == '' then
    redis.call('HDEL', KEYS[2], ARGV[7])
  else
    redis.call('HSET', KEYS[2], ARGV[7], ARGV[10])
  end
elseif ARGV[4] == 'REMOVE' then
  redis.call('DEL', KEYS[2])
else
  return redis.error_reply('unknown catalogue operation ' .. ARGV[4])
end

redis.call('SET', KEYS[3], ARGV[1])
if stockChanged then
  redis.call('PUBLISH', ARGV[11], ARGV[12])
end
return 1
