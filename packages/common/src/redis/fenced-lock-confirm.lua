-- Confirms a holder still holds the lock and extends its lease. KEYS[1] the lock; ARGV[1] the
-- holder's "token|fence", ARGV[2] the lease in ms. Replies 1 when held (and extended), else 0: the
-- lease ran out and maybe another holder (a larger fence) took the lock meanwhile.
if redis.call('GET', KEYS[1]) == ARGV[1] then
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
  return 1
end
return 0
