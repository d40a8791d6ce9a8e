-- wrk script: POST the decision in $CONSENTRY_BODY (a file) to /api/v1/consents, as the banner
-- does (text/plain, from the registry's origin), each with the visitor id a banner makes at a
-- first decision (the time, then random numbers) and the decision id it names every decision
-- with (128 random bits in hex), so every record is indexed by its visitor and its decision.
-- CONSENTRY_DECISIONS=0 leaves the decision id out, as posts before the banner's retries did.
local file = assert(io.open(os.getenv("CONSENTRY_BODY"), "r"))
local body = file:read("*a")
file:close()
local headers = {
  ["Content-Type"] = "text/plain;charset=UTF-8",
  ["Origin"] = os.getenv("CONSENTRY_ORIGIN") or "https://www.smartfocus.com",
  ["User-Agent"] = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Safari/537.36",
  ["Sec-GPC"] = "1",
}
local sent = 0
local decisions = os.getenv("CONSENTRY_DECISIONS") ~= "0"

function setup(thread)
  thread:set("seed", math.random(1, 2 ^ 30))
end

function init()
  math.randomseed(seed or os.time())
end

function request()
  sent = sent + 1
  -- Like the banner's: 8 characters of time, then four random 32-bit numbers (about 51 in all).
  local id = string.format("%08x_%d_%d_%d_%d", os.time() * 16 + sent % 16,
    math.random(0, 4294967295), math.random(0, 4294967295), math.random(0, 4294967295),
    math.random(0, 4294967295))
  local fields = '{"consent_id":"' .. id .. '",'
  if decisions then
    -- Like the banner's: four random 32-bit numbers in hex, 32 characters.
    fields = fields .. string.format('"decision_id":"%08x%08x%08x%08x",',
      math.random(0, 4294967295), math.random(0, 4294967295), math.random(0, 4294967295),
      math.random(0, 4294967295))
  end
  return wrk.format("POST", nil, headers, fields .. body:sub(2))
end
