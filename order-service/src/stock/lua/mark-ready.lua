-- Marks a counter as matching MySQL (a new product's, which inventory-service just set), unless
-- the product was found stale: that one waits for the reconciler's rebuild.
-- KEYS[1] stock-ready:{p}, KEYS[2] stock-stale:{p}. Replies 1 when marked, 0 when stale.
if redis.call('EXISTS', KEYS[2]) == 1 then
  return 0
end
redis.call('SET', KEYS[1], '1')
return 1
