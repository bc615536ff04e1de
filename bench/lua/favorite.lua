-- Favorite, then unfavorite: requests go in pairs (POST then DELETE /api/articles/{slug}/favorite) over
-- rotating (user, article) pairs. wrk's request() cannot tell which connection asks, so the alternation
-- is per thread rather than per connection; both calls are idempotent, so any interleaving answers 200.
-- Users and articles both change from one pair to the next (their counts are coprime): one user or one
-- article for every request would queue them all behind one row lock (favorite_count, favorites_count).
-- Arguments: tokens=JWT,JWT,... slugs=SLUG,SLUG,...
package.path = debug.getinfo(1, "S").source:match("^@(.-)[^/]*$") .. "?.lua;" .. package.path
local report = require("report")
report.install()

local headers, paths, sent = {}, {}, 0

function init(args)
  local options = report.options(args)
  for _, token in ipairs(report.split(options.tokens)) do
    table.insert(headers, { ["Authorization"] = "Token " .. token })
  end
  for _, slug in ipairs(report.split(options.slugs)) do
    table.insert(paths, "/api/articles/" .. slug .. "/favorite")
  end
end

function request()
  local pair = math.floor(sent / 2)
  local method = sent % 2 == 0 and "POST" or "DELETE"
  sent = sent + 1
  return wrk.format(method, paths[pair % #paths + 1], headers[pair % #headers + 1])
end
