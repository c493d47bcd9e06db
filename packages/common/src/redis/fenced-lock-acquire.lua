-- Takes a fenced lock unless someone holds it. KEYS[1] the lock, KEYS[2] its fence counter (both
-- under one hash tag: one Redis Cluster slot). ARGV[1] the new holder's token, ARGV[2] the lease
-- in ms. Replies the fence (larger than every earlier holder's), or nil when the lock is held.
if redis.call('EXISTS', KEYS[1]) == 1 then
  return false
end
local fence = redis.call('INCR', KEYS[2])
redis.call('SET', KEYS[1], ARGV[1] .. '|' .. fence, 'PX', ARGV[2])
return fence
