-- wrk script for Lambda Invoke: the same small event on every request (a static request, so wrk
-- itself does no per-request work).
-- wrk ... -s lambda.lua http://127.0.0.1:PORT -- PATH
local common = require("common")

function init(args)
  wrk.method = "POST"
  wrk.path = args[1]
  wrk.body = '{"n": 1}'
  wrk.headers["Content-Type"] = "application/json"
  for name, value in pairs(common.sigv4_headers("lambda", "us-east-1")) do
    wrk.headers[name] = value
  end
end

done = common.report
