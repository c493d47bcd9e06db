-- Releases a lock only if the holder still holds it. KEYS[1] the lock; ARGV[1] the holder's
-- "token|fence". Replies 1 when released, else 0 (it had expired, perhaps taken by another).
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('DEL', KEYS[1])
end
return 0
