-- Takes one token from a token bucket, atomically.
--
-- KEYS[1] the bucket, a hash: t = tokens left (a float), at = when they were counted (ms)
-- ARGV[1] burst: the bucket's size, and what a new (or long idle) caller starts with
-- ARGV[2] refill rate, tokens per second
-- Returns {taken (1 or 0), whole tokens left, ms until one token is back (refused) or until
-- the bucket is full again (taken)}.
--
-- Time is the Redis server's clock, so every service instance counts on the same clock. A refusal
-- writes nothing: recounting from the stored state later gives the same tokens. The key expires
-- when the bucket would be full again, so idle callers cost no memory.
local burst = tonumber(ARGV[1])
local perMs = tonumber(ARGV[2]) / 1000
local clock = redis.call('TIME')
local now = tonumber(clock[1]) * 1000 + math.floor(tonumber(clock[2]) / 1000)

local state = redis.call('HMGET', KEYS[1], 't', 'at')
local tokens = tonumber(state[1])
local at = tonumber(state[2])
if tokens == nil or at == nil then
  tokens = burst
elseif now > at then
  tokens = math.min(burst, tokens + (now - at) * perMs)
end

if tokens < 1 then
  return {0, 0, math.ceil((1 - tokens) / perMs)}
end

tokens = tokens - 1
local untilFull = math.ceil((burst - tokens) / perMs)
redis.call('HSET', KEYS[1], 't', tostring(tokens), 'at', now)
redis.call('PEXPIRE', KEYS[1], untilFull + 1000)
return {1, math.floor(tokens), untilFull}
