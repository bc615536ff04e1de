-- The same request every time, so wrk builds it once (no request() hook: the cheapest client).
-- Arguments: method=GET path=/api/tags [token=JWT] [body=JSON]
package.path = debug.getinfo(1, "S").source:match("^@(.-)[^/]*$") .. "?.lua;" .. package.path
local report = require("report")
report.install()

function init(args)
  local options = report.options(args)
  wrk.method = options.method
  wrk.path = options.path
  if options.token then
    wrk.headers["Authorization"] = "Token " .. options.token
  end
  if options.body then
    wrk.body = options.body
    wrk.headers["Content-Type"] = "application/json"
  end
end
