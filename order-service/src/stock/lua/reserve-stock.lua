-- Reserves stock for one order, atomically. Every key shares the hash tag {productId}.
--
-- KEYS[1] stock:{p}         sellable units (integer string); missing = not loaded, never sell
-- KEYS[2] product:{p}       catalogue hash: price, per-user cap (optional)
-- KEYS[3] reservations:{p}  orderId -> "userId|quantity|epochMs|priceCents|idempotencyKey"
-- KEYS[4] bought:{p}        userId -> units held (kept only for products with maxPerUser)
-- KEYS[5] idem:{p}:<userId>:<key>   "orderId|fingerprint" (a placeholder when there is no key)
-- KEYS[6] stock-ready:{p}   set once the counter is known to match MySQL (see StockKeys.ready)
-- KEYS[7] stock-seq:{p}     the product's reservation sequence (see StockKeys.sequence)
-- KEYS[8] stock-stale:{p}   set when Redis was found behind MySQL (see StockKeys.stale)
-- ARGV: orderId, userId, quantity, nowMs, fingerprint, idempotencyTtlSeconds, idempotencyKey
--       (idempotencyKey is '' when the request has none), then the product hash's field names
--       of the price and the per-user cap (ProductHashFields in the contracts package, which
--       inventory-service writes by), then the lowest sequence this Redis may hold (the highest
--       this process has seen; '0' when none) and the per-user cap of a product that sets none
--       ('0' = no cap)
--
-- Every check runs before the first write, so a refusal changes nothing (except STALE, which
-- takes the ready flag away and marks the product stale, so that no instance sells from the stale
-- counter before the reconciler has rebuilt it). Replies:
--   {'OK', remaining, priceCents, sequence} | {'NO_COUNTER'} | {'NOT_READY'} | {'NO_PRODUCT'}
--   | {'STALE', sequence} | {'REPLAY', orderId, fingerprint} | {'LIMIT', held, maxPerUser}
--   | {'SHORT', stock}
local stock = redis.call('GET', KEYS[1])
if not stock then
  return {'NO_COUNTER'}
end
if redis.call('EXISTS', KEYS[6]) == 0 then
  return {'NOT_READY'}
end
-- A sequence below one already handed out means this Redis went back in time (restored from an
-- older snapshot, a lagging replica): its counter and per-user totals are too high.
local sequence = tonumber(redis.call('GET', KEYS[7]) or '0')
if sequence < tonumber(ARGV[10] or '0') then
  redis.call('DEL', KEYS[6])
  redis.call('SET', KEYS[8], '1')
  return {'STALE', tostring(sequence)}
end
local price = redis.call('HGET', KEYS[2], ARGV[8])
if not price then
  return {'NO_PRODUCT'}
end

local hasKey = ARGV[7] ~= ''
if hasKey then
  local prior = redis.call('GET', KEYS[5])
  if prior then
    local sep = string.find(prior, '|', 1, true)
    return {'REPLAY', string.sub(prior, 1, sep - 1), string.sub(prior, sep + 1)}
  end
end

local quantity = tonumber(ARGV[3])
local maxPerUser = tonumber(redis.call('HGET', KEYS[2], ARGV[9]) or ARGV[11] or '')
local capped = maxPerUser ~= nil and maxPerUser > 0
if capped then
  local held = tonumber(redis.call('HGET', KEYS[4], ARGV[2]) or '0')
  if held + quantity > maxPerUser then
    return {'LIMIT', tostring(held), tostring(maxPerUser)}
  end
end

if tonumber(stock) < quantity then
  return {'SHORT', stock}
end

local remaining = redis.call('DECRBY', KEYS[1], quantity)
redis.call('HSET', KEYS[3], ARGV[1],
  ARGV[2] .. '|' .. ARGV[3] .. '|' .. ARGV[4] .. '|' .. price .. '|' .. ARGV[7])
if capped then
  redis.call('HINCRBY', KEYS[4], ARGV[2], quantity)
end
if hasKey then
  redis.call('SET', KEYS[5], ARGV[1] .. '|' .. ARGV[5], 'EX', ARGV[6])
end
return {'OK', tostring(remaining), price, tostring(redis.call('INCR', KEYS[7]))}
