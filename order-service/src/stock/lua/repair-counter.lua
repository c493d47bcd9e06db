-- Sets a counter to the reconciler's expected value only if it still holds the value the
-- reconciler observed (compare-and-set), so a reservation made in between is never overwritten;
-- and marks it ready (it now matches MySQL).
-- KEYS[1] stock:{p}, KEYS[2] stock-ready:{p}; ARGV: observed, expected.
-- Replies 1 when set, 0 when the counter moved meanwhile.
if redis.call('GET', KEYS[1]) ~= ARGV[1] then
  return 0
end
redis.call('SET', KEYS[1], ARGV[2])
redis.call('SET', KEYS[2], '1')
return 1
