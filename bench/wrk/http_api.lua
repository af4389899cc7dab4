-- wrk script for an HTTP front door: the same small POST on every request.
-- wrk ... -s http_api.lua http://127.0.0.1:PORT -- PATH [HOST]
-- HOST, when given, is sent as the Host header (nimbus's <api-id>.execute-api.localhost).
local common = require("common")

function init(args)
  wrk.method = "POST"
  wrk.path = args[1]
  wrk.body = '{"n": 1}'
  wrk.headers["Content-Type"] = "application/json"
  if args[2] then
    wrk.headers["Host"] = args[2]
  end
end

done = common.report
