-- Reserves stock for one order, atomically. Every key shares the hash tag {productId}.
--
-- KEYS[1] stock:{p}         sellable units (integer string); missing = not loaded, never sell
-- KEYS[2] product:{p}       catalogue hash: price, per-user cap (optional)
-- KEYS[3] reservations:{p}  orderId -> "userId|quantity|epochMs|priceCents|idempotencyKey"
-- KEYS[4] bought:{p}        userId -> units held (kept only for products with maxPerUser)
-- KEYS[5] idem:{p}:<userId>:<key>   "orderId|fingerprint" (a placeholder when there is no key)
-- KEYS[6] stock-ready:{p}   set once the counter is known to match MySQL (see StockKeys.ready)
-- ARGV: orderId, userId, quantity, nowMs, fingerprint, idempotencyTtlSeconds, idempotencyKey
--       (idempotencyKey is '' when the request has none), then the product hash's field names
--       of the price and the per-user cap (ProductHashFields in the contracts package, which
--       inventory-service writes by)
--
-- Every check runs before the first write, so a refusal changes nothing. Replies:
--   {'OK', remaining, priceCents} | {'NO_COUNTER'} | {'NOT_READY'} | {'NO_PRODUCT'}
--   | {'REPLAY', orderId, fingerprint} | {'LIMIT', held, maxPerUser} | {'SHORT', stock}
local stock = redis.call('GET', KEYS[1])
if not stock then
  return {'NO_COUNTER'}
end
if redis.call('EXISTS', KEYS[6]) == 0 then
  return {'NOT_READY'}
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
local maxPerUser = tonumber(redis.call('HGET', KEYS[2], ARGV[9]) or '')
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
return {'OK', tostring(remaining), price}
