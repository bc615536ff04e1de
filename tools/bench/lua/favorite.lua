-- Favorite and unfavorite, alternating request by request: the even requests favorite (user, article)
-- pair k, the odd ones unfavorite pair k - lag, whose favorite went out 2 * lag requests earlier. Pair j
-- is user j mod #users and article j mod #articles (coprime counts, so every combination comes round).
-- With lag about half of both counts, no two requests in flight share a user or an article, so this
-- measures the endpoints rather than requests queueing behind each other's row locks (a user's
-- favorite_count, an article's favorites_count). wrk's request() cannot tell which connection asks, so
-- the alternation is per thread rather than per connection.
-- Arguments: tokens=JWT,JWT,... slugs=SLUG,SLUG,... lag=N
package.path = debug.getinfo(1, "S").source:match("^@(.-)[^/]*$") .. "?.lua;" .. package.path
local report = require("report")
report.install()

local headers, paths, lag, sent = {}, {}, 0, 0

function init(args)
  local options = report.options(args)
  for _, token in ipairs(report.split(options.tokens)) do
    table.insert(headers, { ["Authorization"] = "Token " .. token })
  end
  for _, slug in ipairs(report.split(options.slugs)) do
    table.insert(paths, "/api/articles/" .. slug .. "/favorite")
  end
  lag = tonumber(options.lag)
  -- Threads start apart, so that with -t > 1 they do not walk the same pairs in step.
  sent = 2 * 7919 * (thread_id - 1)
end

function request()
  local favoriting = sent % 2 == 0
  local pair = math.floor(sent / 2) - (favoriting and 0 or lag)
  sent = sent + 1
  local method = favoriting and "POST" or "DELETE"
  return wrk.format(method, paths[pair % #paths + 1], headers[pair % #headers + 1])
end
