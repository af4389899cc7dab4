-- wrk script for DynamoDB: PutItem (a new key per request) or GetItem (existing keys).
-- wrk ... -s dynamodb.lua http://127.0.0.1:PORT/ -- OPERATION TABLE PAYLOAD GET_KEYS
--   PutItem writes {pk: "wrk#<thread>#<n>", sk: "<n>", data: PAYLOAD, n: <n>}
--   GetItem reads  {pk: "get#<n mod GET_KEYS>", sk: "0"}, keys bench/dynamodb.py has written
local common = require("common")

local next_thread_id = 0
function setup(thread)
  thread:set("thread_id", next_thread_id)
  next_thread_id = next_thread_id + 1
end

local operation, table_name, payload, get_keys
local counter = 0

function init(args)
  operation, table_name, payload, get_keys = args[1], args[2], args[3], tonumber(args[4])
  wrk.method = "POST"
  wrk.path = "/"
  wrk.headers["Content-Type"] = "application/x-amz-json-1.0"
  wrk.headers["X-Amz-Target"] = "DynamoDB_20120810." .. operation
  for name, value in pairs(common.sigv4_headers("dynamodb", "us-east-1")) do
    wrk.headers[name] = value
  end
  if operation ~= "PutItem" and operation ~= "GetItem" then
    error("unsupported operation " .. tostring(operation))
  end
end

function request()
  counter = counter + 1
  local body
  if operation == "PutItem" then
    body = string.format(
      '{"TableName":"%s","Item":{"pk":{"S":"wrk#%d#%d"},"sk":{"S":"%08d"},"data":{"S":"%s"},"n":{"N":"%d"}}}',
      table_name, thread_id, counter, counter, payload, counter)
  else
    body = string.format('{"TableName":"%s","Key":{"pk":{"S":"get#%d"},"sk":{"S":"0"}}}',
      table_name, counter % get_keys)
  end
  return wrk.format(nil, nil, nil, body)
end

done = common.report
