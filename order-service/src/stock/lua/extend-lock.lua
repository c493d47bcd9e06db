-- Extends a lock only if it still holds our token (a holder whose lease ran out and was taken by
-- another instance must not extend the new holder's). KEYS[1] the lock; ARGV[1] our token;
-- ARGV[2] the new time to live in ms. Replies 1 when extended, else 0.
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('PEXPIRE', KEYS[1], ARGV[2])
end
return 0
