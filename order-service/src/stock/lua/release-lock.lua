-- Deletes a lock only if it still holds our token (it may have expired and been taken by another
-- instance meanwhile). KEYS[1] the lock; ARGV[1] our token. Replies 1 when deleted, else 0.
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('DEL', KEYS[1])
end
return 0
