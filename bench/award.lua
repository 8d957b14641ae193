-- Northfield Council award evaluation in Lua 5.4.
--
--   lua5.4 award.lua TENDERS.jsonl > RESULTS.jsonl
--
-- A contender in `make bench` (bench/README.md): the methodology of
-- shared/spec/award-evaluation.md with lua-cjson for JSON.  Exact: amounts
-- are rationals of 64-bit integers kept in lowest terms; an operation that
-- would overflow raises an error instead of wrapping.  Handles valid input
-- (and an unknown exclusion ground); other bad input is not diagnosed.

local cjson = require("cjson")
local null = cjson.null

-- Exact rationals {n, d}, d > 0, gcd(n, d) = 1 ---------------------------

local function gcd(a, b)
  while b ~= 0 do a, b = b, a % b end
  return a < 0 and -a or a
end

local function imul(a, b)
  local r = a * b
  if a ~= 0 and (r // a ~= b or (a == -1 and b == math.mininteger)) then
    error("arithmetic overflow")
  end
  return r
end

local function iadd(a, b)
  local r = a + b
  if (a >= 0) == (b >= 0) and (r >= 0) ~= (a >= 0) then error("arithmetic overflow") end
  return r
end

local function rat(n, d)
  n, d = math.tointeger(n), math.tointeger(d or 1) -- cjson gives floats
  if d < 0 then n, d = -n, -d end
  local g = gcd(n, d)
  return {n // g, d // g}
end

local function dec(s) -- "35.0" -> 35/1
  local int, frac = s:match("^(-?%d+)%.?(%d*)$")
  return rat(tonumber(int .. frac), tonumber("1" .. ("0"):rep(#frac)))
end

local function add(a, b)
  local g = gcd(a[2], b[2])
  return rat(iadd(imul(a[1], b[2] // g), imul(b[1], a[2] // g)), imul(a[2], b[2] // g))
end

local function mul(a, b)
  local g1, g2 = gcd(a[1], b[2]), gcd(b[1], a[2])
  return rat(imul(a[1] // g1, b[1] // g2), imul(a[2] // g2, b[2] // g1))
end

local function div(a, b) return mul(a, rat(b[2], b[1])) end

local function cmp(a, b)
  local g = gcd(a[2], b[2])
  local x, y = imul(a[1], b[2] // g), imul(b[1], a[2] // g)
  return x < y and -1 or x > y and 1 or 0
end

local function min(a, b) return cmp(a, b) <= 0 and a or b end

-- Rounded half away from zero to 2 places, as Tally prints it.
local function points(x)
  local m = x[1] < 0 and -x[1] or x[1]
  local whole, rest = m // x[2], m % x[2] -- cents = floor(m * 100 / d + 1/2)
  local cents = imul(whole, 100) + (imul(rest, 200) + x[2]) // imul(x[2], 2)
  return string.format("%s%d.%02d", (x[1] < 0 and cents > 0) and "-" or "",
                       cents // 100, cents % 100), cents
end

-- The methodology ----------------------------------------------------------

local THRESHOLDS = { -- in force from, central, sub-central, works
  {"2026-01-01", dec("135018.00"), dec("207720.00"), dec("5193000.00")},
  {"2025-02-24", dec("139688.00"), dec("214904.00"), dec("5372609.00")},
}
local MANDATORY, DISCRETIONARY = {}, {}
for _, g in ipairs{"corruption", "bribery", "fraud", "money-laundering", "terrorism",
                   "modern-slavery", "tax-evasion", "organised-crime", "cartel", "theft"} do
  MANDATORY[g] = true
end
for _, g in ipairs{"insolvency", "professional-misconduct", "poor-performance",
                   "environmental-breach", "labour-market-breach", "national-security"} do
  DISCRETIONARY[g] = true
end
local MIN_INSURANCE = dec("5000000.00")

local function threshold(t)
  for _, row in ipairs(THRESHOLDS) do
    if t.published >= row[1] then
      if t.category == "works" then return row[4] end
      return t.buyer.type == "central" and row[2] or row[3]
    end
  end
  error({msg = "published: no threshold in force on " .. t.published})
end

local function is_sme(s)
  return s.staff < 250 and (cmp(dec(s.turnover), dec("44000000")) <= 0
                            or cmp(dec(s.balance_sheet), dec("38000000")) <= 0)
end

local function assess(t, bid, reserved)
  local s = bid.supplier
  for _, kind in ipairs{{MANDATORY, "mandatory"}, {DISCRETIONARY, "discretionary"}} do
    for _, g in ipairs(s.exclusions) do
      if kind[1][g] then return "excluded", kind[2] .. " exclusion: " .. g end
    end
  end
  if reserved and not (s["local"] and is_sme(s)) then
    return "excluded", "not eligible: reserved for local SMEs"
  end
  if cmp(dec(s.insurance), MIN_INSURANCE) < 0 then
    return "failed", "insurance below 5000000.00"
  end
  for _, q in ipairs(t.questions) do
    local score = bid.scores[q.id]
    if score == nil or score < q.min_score then
      return "failed", q.id .. " below minimum"
    end
  end
  return "scored"
end

local function raw_social_value(bid)
  local sv = bid.social_value
  local n = 5 * math.min(sv.local_jobs, 10) + 6 * math.min(sv.apprenticeships, 5)
  return add(rat(math.tointeger(n)), mul(rat(1, 5), min(dec(sv.local_spend_pct), rat(100))))
end

-- "2026-04-02T12:31:59.5+01:00" -> seconds since the epoch, fraction text
local function instant(s)
  local y, mo, d, h, mi, sec, frac, zone =
    s:match("^(%d+)-(%d+)-(%d+)T(%d+):(%d+):(%d+)(%.?%d*)(.*)$")
  y, mo = tonumber(y), tonumber(mo)
  if mo <= 2 then y, mo = y - 1, mo + 12 end -- days from civil, March-based
  local days = 365 * y + y // 4 - y // 100 + y // 400 + (153 * (mo - 3) + 2) // 5 + tonumber(d)
  local t = ((days * 24 + tonumber(h)) * 60 + tonumber(mi)) * 60 + tonumber(sec)
  local sign, oh, om = zone:match("^([+-])(%d+):(%d+)$")
  if sign then t = t - (sign == "+" and 1 or -1) * (tonumber(oh) * 3600 + tonumber(om) * 60) end
  return t, (frac:sub(2) .. string.rep("0", 18)):sub(1, 18)
end

local function evaluate(t)
  for i, bid in ipairs(t.bids) do
    for j, g in ipairs(bid.supplier.exclusions) do
      if not MANDATORY[g] and not DISCRETIONARY[g] then
        error({msg = string.format('bids[%d].supplier.exclusions[%d]: unknown exclusion ground "%s"',
                                   i - 1, j - 1, g)})
      end
    end
  end
  local above = cmp(dec(t.estimated_value), threshold(t)) >= 0
  local reserved = not above and t.reserved == "local-sme"
  local results, compliant = {}, {}
  for i, bid in ipairs(t.bids) do
    local status, reason = assess(t, bid, reserved)
    results[i] = {supplier = bid.supplier.id, sme = is_sme(bid.supplier),
                  status = status, reason = reason}
    if status == "scored" then compliant[#compliant + 1] = i end
  end
  local lowest, best
  for _, i in ipairs(compliant) do
    local bid = t.bids[i]
    local price, raw = dec(bid.price), raw_social_value(bid)
    lowest = lowest and min(lowest, price) or price
    best = (best and cmp(best, raw) >= 0) and best or raw
  end
  local wp, wsv = dec(t.weights.price), dec(t.weights.social_value)
  for _, i in ipairs(compliant) do
    local bid, r = t.bids[i], results[i]
    local price = mul(wp, div(lowest, dec(bid.price)))
    local quality = rat(0)
    for _, q in ipairs(t.questions) do
      quality = add(quality, mul(dec(q.weight), rat(bid.scores[q.id] or 0, 5)))
    end
    local social = best[1] == 0 and rat(0) or mul(wsv, div(raw_social_value(bid), best))
    r.price_score = points(price)
    r.quality_score, r.q_cents = points(quality)
    r.social_value_score = points(social)
    r.total, r.t_cents = points(add(add(price, quality), social))
    r.at, r.at_frac = instant(bid.submitted)
    r.index = i
  end
  local ranking = {table.unpack(compliant)}
  table.sort(ranking, function(x, y)
    local a, b = results[x], results[y]
    if a.t_cents ~= b.t_cents then return a.t_cents > b.t_cents end
    if a.q_cents ~= b.q_cents then return a.q_cents > b.q_cents end
    if a.at ~= b.at then return a.at < b.at end
    if a.at_frac ~= b.at_frac then return a.at_frac < b.at_frac end
    if a.supplier ~= b.supplier then return a.supplier < b.supplier end
    return a.index < b.index
  end)
  for rank, i in ipairs(ranking) do results[i].rank = rank end
  return above, ranking[1] and results[ranking[1]].supplier, results
end

-- Output in Tally's key order and spacing ----------------------------------

local function jstr(s) return (cjson.encode(s):gsub("\\/", "/")) end

local function write_result(out, t, above, award, results)
  local bids = {}
  for i, r in ipairs(results) do
    local parts = {'{"supplier": ', jstr(r.supplier), ', "sme": ', tostring(r.sme),
                   ', "status": "', r.status, '"'}
    if r.reason then
      parts[#parts + 1] = ', "reason": ' .. jstr(r.reason)
    end
    if r.rank then
      parts[#parts + 1] = string.format(
        ', "price_score": "%s", "quality_score": "%s", "social_value_score": "%s", '
        .. '"total": "%s", "rank": %d', r.price_score, r.quality_score,
        r.social_value_score, r.total, r.rank)
    end
    parts[#parts + 1] = "}"
    bids[i] = table.concat(parts)
  end
  out:write('{"tender": ', jstr(t.id), ', "regime": "',
            above and "above-threshold" or "below-threshold", '", "award": ',
            award and jstr(award) or "null", ', "bids": [', table.concat(bids, ", "), "]}\n")
end

local out = io.stdout
out:setvbuf("full", 1 << 16)
for line in io.lines(arg[1]) do
  if line:find("%S") then
    local t = cjson.decode(line)
    local ok, above, award, results = pcall(evaluate, t)
    if ok then
      write_result(out, t, above, award, results)
    elseif type(above) == "table" then
      out:write('{"tender": ', jstr(t.id), ', "error": ', jstr(above.msg), "}\n")
    else
      error(above)
    end
  end
end
out:flush()
