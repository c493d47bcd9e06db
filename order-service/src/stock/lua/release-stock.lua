-- Gives one order's units back to Redis, at most once per order whatever path asks (inventory
-- refused it, it was cancelled, its reservation was abandoned). Keys share the tag {productId}.
--
-- KEYS[1] stock:{p}
-- KEYS[2] reservations:{p}
-- KEYS[3] bought:{p}
-- KEYS[4] released:{p}:<orderId>   the once-only guard (expires after ARGV[4] seconds)
-- KEYS[5] idem:{p}:<userId>:<key>  (a placeholder when the order has no key)
-- KEYS[6] stock-ready:{p}
-- ARGV: orderId, userId, quantity, guardTtlSeconds, dropIdempotencyKey ('1' | '0')
--
-- Replies 1 (given back now), 0 (given back before: nothing done), -1 (the counter is missing:
-- Redis lost its data, or the product was deleted) or -2 (the counter is not ready: being rebuilt,
-- or found stale). For -1 and -2 nothing is done; the caller retries once the counter is rebuilt,
-- which counts this order's units as still taken until they are given back.
if redis.call('EXISTS', KEYS[1]) == 0 then
  return -1
end
if redis.call('EXISTS', KEYS[6]) == 0 then
  return -2
end
redis.call('HDEL', KEYS[2], ARGV[1])
if not redis.call('SET', KEYS[4], '1', 'NX', 'EX', ARGV[4]) then
  return 0
end
redis.call('INCRBY', KEYS[1], ARGV[3])
local held = redis.call('HGET', KEYS[3], ARGV[2])
if held then
  local left = tonumber(held) - tonumber(ARGV[3])
  if left > 0 then
    redis.call('HSET', KEYS[3], ARGV[2], left)
  else
    redis.call('HDEL', KEYS[3], ARGV[2])
  end
end
if ARGV[5] == '1' then
  -- Only the key this order set: a newer order may own it by now.
  local current = redis.call('GET', KEYS[5])
  if current and string.sub(current, 1, #ARGV[1] + 1) == ARGV[1] .. '|' then
    redis.call('DEL', KEYS[5])
  end
end
return 1
