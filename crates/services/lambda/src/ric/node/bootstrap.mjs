// nimbus's runtime interface client for Node.js functions.
//
// It speaks the Lambda Runtime API (AWS_LAMBDA_RUNTIME_API) like AWS's own client: it loads the
// handler named by _HANDLER from LAMBDA_TASK_ROOT (CommonJS or ES module), then loops
// GET /invocation/next -> handler -> POST /response (or /error). Async handlers, callbacks and
// context.succeed/fail/done all work; console output gets the runtime's
// `timestamp<TAB>requestId<TAB>LEVEL<TAB>message` format.

import net from "node:net";
import { Writable } from "node:stream";
import { createRequire } from "node:module";
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { pathToFileURL } from "node:url";
import util from "node:util";

const [host, port] = (process.env.AWS_LAMBDA_RUNTIME_API || "127.0.0.1:9001").split(":");
// nimbus also offers the Runtime API on a Unix socket, which is cheaper than loopback TCP.
const socketPath = process.env.NIMBUS_RUNTIME_API_SOCKET;
const taskRoot = process.env.LAMBDA_TASK_ROOT || "/var/task";
const jsonLogs = process.env.AWS_LAMBDA_LOG_FORMAT === "JSON";
let currentRequestId;

// A minimal HTTP/1.1 client on one keep-alive connection: node:http's client costs several
// times more per request, and the Runtime API needs one request at a time.
const api = { sock: null, buf: Buffer.alloc(0), pending: null, useSocket: Boolean(socketPath) };

function parseResponse(buf) {
  const end = buf.indexOf("\r\n\r\n");
  if (end < 0) return null;
  const lines = buf.toString("latin1", 0, end).split("\r\n");
  const status = parseInt(lines[0].split(" ")[1], 10);
  const headers = {};
  for (let i = 1; i < lines.length; i++) {
    const colon = lines[i].indexOf(":");
    if (colon > 0) headers[lines[i].slice(0, colon).trim().toLowerCase()] = lines[i].slice(colon + 1).trim();
  }
  let pos = end + 4;
  if ((headers["transfer-encoding"] || "").toLowerCase() === "chunked") {
    const parts = [];
    for (;;) {
      const lineEnd = buf.indexOf("\r\n", pos);
      if (lineEnd < 0) return null;
      const size = parseInt(buf.toString("latin1", pos, lineEnd).split(";")[0], 16);
      if (buf.length < lineEnd + 2 + size + 2) return null;
      parts.push(buf.subarray(lineEnd + 2, lineEnd + 2 + size));
      pos = lineEnd + 2 + size + 2;
      if (size === 0) break;
    }
    return { consumed: pos, response: { status, headers, body: Buffer.concat(parts) } };
  }
  const length = parseInt(headers["content-length"] || "0", 10);
  if (buf.length < pos + length) return null;
  return { consumed: pos + length, response: { status, headers, body: buf.subarray(pos, pos + length) } };
}

function settle() {
  if (!api.pending) return;
  const parsed = parseResponse(api.buf);
  if (!parsed) return;
  api.buf = api.buf.subarray(parsed.consumed);
  const { resolve } = api.pending;
  api.pending = null;
  resolve(parsed.response);
}

function open(options) {
  return new Promise((resolve, reject) => {
    const s = net.createConnection(options);
    s.once("connect", () => {
      s.removeListener("error", reject);
      resolve(s);
    });
    s.once("error", reject);
  });
}

async function connect() {
  let s;
  if (api.useSocket) {
    try {
      s = await open({ path: socketPath });
    } catch {
      api.useSocket = false; // fall back to the TCP port
    }
  }
  if (!s) {
    s = await open({ host, port: Number(port) });
    s.setNoDelay(true);
  }
  s.on("data", (chunk) => {
    api.buf = api.buf.length ? Buffer.concat([api.buf, chunk]) : chunk;
    settle();
  });
  const lost = (err) => {
    if (api.sock === s) {
      api.sock = null;
      api.buf = Buffer.alloc(0);
    }
    if (api.pending) {
      const { reject } = api.pending;
      api.pending = null;
      reject(err || new Error("the Runtime API closed the connection"));
    }
  };
  s.on("error", lost);
  s.on("close", () => lost());
  api.sock = s;
}

async function request(method, urlPath, body, headers = {}) {
  const data = body === undefined ? Buffer.alloc(0) : Buffer.from(body);
  let head = `${method} ${urlPath} HTTP/1.1\r\nHost: ${host}:${port}\r\nContent-Length: ${data.length}\r\n`;
  for (const [k, v] of Object.entries(headers)) head += `${k}: ${v}\r\n`;
  const message = Buffer.concat([Buffer.from(head + "\r\n", "latin1"), data]);
  for (let attempt = 0; ; attempt++) {
    try {
      if (!api.sock) await connect();
      return await new Promise((resolve, reject) => {
        api.pending = { resolve, reject };
        api.sock.write(message);
      });
    } catch (e) {
      if (attempt) throw e;
    }
  }
}

// A request whose body is sent as it is produced (chunked), ending with trailers: how a
// streamed response goes to the Runtime API. One request at a time, like `request`.
async function openStream(urlPath, headers) {
  if (!api.sock) await connect();
  const sock = api.sock;
  const response = new Promise((resolve, reject) => {
    api.pending = { resolve, reject };
  });
  response.catch(() => {});
  const send = (buf) => new Promise((resolve, reject) => sock.write(buf, (e) => (e ? reject(e) : resolve())));
  let head = `POST ${urlPath} HTTP/1.1\r\nHost: ${host}:${port}\r\nTransfer-Encoding: chunked\r\n`;
  head += "Trailer: Lambda-Runtime-Function-Error-Type, Lambda-Runtime-Function-Error-Body\r\n";
  for (const [k, v] of Object.entries(headers)) head += `${k}: ${v}\r\n`;
  await send(Buffer.from(head + "\r\n", "latin1"));
  return {
    write: (data) =>
      data.length ? send(Buffer.concat([Buffer.from(`${data.length.toString(16)}\r\n`, "latin1"), data, Buffer.from("\r\n")])) : Promise.resolve(),
    end: async (trailers = {}) => {
      let tail = "0\r\n";
      for (const [k, v] of Object.entries(trailers)) tail += `${k}: ${v}\r\n`;
      await send(Buffer.from(tail + "\r\n", "latin1"));
      return response;
    },
  };
}

// ---- console ---------------------------------------------------------------------------------

function patchConsole() {
  const write = (level, args) => {
    const message = util.format(...args);
    const ts = new Date().toISOString();
    let line;
    if (jsonLogs) {
      line = JSON.stringify({ timestamp: ts, level, requestId: currentRequestId, message });
    } else {
      line = `${ts}\t${currentRequestId}\t${level}\t${message}`;
    }
    process.stdout.write(line.replace(/\n/g, "\r") + "\n");
  };
  console.log = (...a) => write("INFO", a);
  console.info = (...a) => write("INFO", a);
  console.warn = (...a) => write("WARN", a);
  console.error = (...a) => write("ERROR", a);
  console.debug = (...a) => write("DEBUG", a);
  console.trace = (...a) => write("TRACE", a);
  console.fatal = (...a) => write("FATAL", a);
}

// ---- errors ----------------------------------------------------------------------------------

function errorDoc(err, type) {
  if (err instanceof Error) {
    return {
      errorType: type || err.name || "Error",
      errorMessage: err.message,
      trace: (err.stack || "").split("\n"),
    };
  }
  let message;
  try {
    message = typeof err === "string" ? err : JSON.stringify(err);
  } catch {
    message = String(err);
  }
  return { errorType: type || "string", errorMessage: message, trace: [] };
}

function logError(doc) {
  const text = `${new Date().toISOString()}\t${currentRequestId}\tERROR\t${JSON.stringify(doc)}`;
  process.stdout.write(text.replace(/\n/g, "\r") + "\n");
}

class UserCodeError extends Error {}

// ---- handler loading ---------------------------------------------------------------------------

function isEsm(file) {
  if (file.endsWith(".mjs")) return true;
  if (file.endsWith(".cjs")) return false;
  let dir = path.dirname(file);
  while (dir.startsWith(taskRoot)) {
    const pkg = path.join(dir, "package.json");
    if (existsSync(pkg)) {
      try {
        return JSON.parse(readFileSync(pkg, "utf8")).type === "module";
      } catch {
        return false;
      }
    }
    if (dir === taskRoot) break;
    dir = path.dirname(dir);
  }
  return false;
}

async function loadHandler() {
  const spec = process.env._HANDLER || "";
  const dot = spec.lastIndexOf(".");
  if (dot <= 0) {
    throw Object.assign(new Error(`Bad handler ${spec}`), { lambdaType: "Runtime.MalformedHandlerName" });
  }
  const modulePath = spec.slice(0, dot);
  const names = spec.slice(dot + 1).split(".");
  const base = path.resolve(taskRoot, modulePath);
  const file = [".js", ".mjs", ".cjs"].map((e) => base + e).find((f) => existsSync(f));
  if (!file) {
    throw Object.assign(new Error(`Cannot find module '${modulePath}'\nRequire stack:\n- /var/runtime/index.mjs`), {
      lambdaType: "Runtime.ImportModuleError",
    });
  }
  let mod;
  try {
    if (isEsm(file)) {
      mod = await import(pathToFileURL(file).href);
    } else {
      mod = createRequire(path.join(taskRoot, "index.js"))(file);
    }
  } catch (e) {
    const type = e instanceof SyntaxError ? "Runtime.UserCodeSyntaxError" : "Runtime.ImportModuleError";
    throw Object.assign(e instanceof Error ? e : new Error(String(e)), { lambdaType: type });
  }
  let handler = mod;
  for (const n of names) handler = handler == null ? undefined : handler[n];
  if (handler === undefined && mod && mod.default) {
    handler = mod.default;
    for (const n of names) handler = handler == null ? undefined : handler[n];
  }
  if (typeof handler !== "function") {
    throw Object.assign(new Error(`${modulePath}.${names.join(".")} is undefined or not exported`), {
      lambdaType: "Runtime.HandlerNotFound",
    });
  }
  return handler;
}

// ---- the invocation loop -------------------------------------------------------------------------

function makeContext(headers, done) {
  const deadline = Number(headers["lambda-runtime-deadline-ms"] || 0);
  const parse = (v) => {
    try {
      return v ? JSON.parse(v) : undefined;
    } catch {
      return undefined;
    }
  };
  const ctx = {
    callbackWaitsForEmptyEventLoop: true,
    functionName: process.env.AWS_LAMBDA_FUNCTION_NAME,
    functionVersion: process.env.AWS_LAMBDA_FUNCTION_VERSION,
    invokedFunctionArn: headers["lambda-runtime-invoked-function-arn"],
    memoryLimitInMB: process.env.AWS_LAMBDA_FUNCTION_MEMORY_SIZE,
    awsRequestId: headers["lambda-runtime-aws-request-id"],
    logGroupName: process.env.AWS_LAMBDA_LOG_GROUP_NAME,
    logStreamName: process.env.AWS_LAMBDA_LOG_STREAM_NAME,
    identity: parse(headers["lambda-runtime-cognito-identity"]),
    clientContext: parse(headers["lambda-runtime-client-context"]),
    getRemainingTimeInMillis: () => Math.max(deadline - Date.now(), 0),
    succeed: (result) => done(null, result),
    fail: (err) => done(err === undefined || err === null ? "handled" : err),
    done: (err, result) => done(err, result),
  };
  return ctx;
}

async function post(requestId, kind, body, errorType) {
  const headers = errorType ? { "Lambda-Runtime-Function-Error-Type": errorType } : {};
  await request("POST", `/2018-06-01/runtime/invocation/${requestId}/${kind}`, body, headers);
}

// ---- response streaming -----------------------------------------------------------------------

const STREAMING = Symbol.for("aws.lambda.runtime.handler.streaming");
const HTTP_INTEGRATION = "application/vnd.awslambda.http-integration-response";

// The `awslambda` global of Lambda's Node.js runtime: `streamifyResponse(handler)` gives the
// handler a writable response stream; `HttpResponseStream.from(stream, {statusCode, headers})`
// writes the HTTP prelude function URLs read before the body.
globalThis.awslambda = {
  streamifyResponse(handler) {
    handler[STREAMING] = true;
    return handler;
  },
  HttpResponseStream: {
    from(stream, prelude) {
      stream.setContentType(HTTP_INTEGRATION);
      stream.write(JSON.stringify(prelude || {}));
      stream.write(Buffer.alloc(8));
      return stream;
    },
  },
};

// A streaming handler's output goes to the Runtime API as it is written: the request opens at
// the first write (after any setContentType), each write is a chunk, and an error thrown after
// that travels in the trailers. As on Lambda, the invocation ends when the stream does.
async function invokeStreaming(handler, next, requestId) {
  let contentType = "application/octet-stream";
  let opened = null;
  const open = () =>
    (opened ??= openStream(`/2018-06-01/runtime/invocation/${requestId}/response`, {
      "Lambda-Runtime-Function-Response-Mode": "streaming",
      "Content-Type": contentType,
    }));
  const stream = new Writable({
    write(chunk, encoding, callback) {
      const data = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk, encoding);
      open().then((s) => s.write(data)).then(() => callback(), callback);
    },
    final(callback) {
      open().then(() => callback(), callback);
    },
  });
  stream.setContentType = (type) => {
    contentType = type;
  };
  const finished = new Promise((resolve, reject) => {
    stream.on("finish", resolve);
    stream.on("error", reject);
  });
  finished.catch(() => {}); // awaited below; an error before that is the handler's own
  try {
    const event = JSON.parse(next.body.toString("utf8") || "null");
    await handler(event, stream, makeContext(next.headers, () => {}));
    await finished;
  } catch (e) {
    const doc = errorDoc(e === undefined ? new Error("undefined") : e);
    logError(doc);
    if (!opened) {
      await post(requestId, "error", JSON.stringify(doc), doc.errorType);
      return;
    }
    const s = await opened;
    await s.end({
      "Lambda-Runtime-Function-Error-Type": doc.errorType,
      "Lambda-Runtime-Function-Error-Body": Buffer.from(JSON.stringify(doc)).toString("base64"),
    });
    return;
  }
  await (await open()).end();
}

async function invokeOnce(handler, next) {
  const requestId = next.headers["lambda-runtime-aws-request-id"];
  currentRequestId = requestId;
  if (next.headers["lambda-runtime-trace-id"]) process.env._X_AMZN_TRACE_ID = next.headers["lambda-runtime-trace-id"];
  if (handler[STREAMING]) {
    await invokeStreaming(handler, next, requestId);
    return;
  }
  const outcome = await new Promise((resolve) => {
    let settled = false;
    const done = (err, result) => {
      if (settled) return;
      settled = true;
      resolve({ err, result });
    };
    let event;
    try {
      event = JSON.parse(next.body.toString("utf8") || "null");
    } catch (e) {
      done(e);
      return;
    }
    const context = makeContext(next.headers, done);
    try {
      const ret = handler(event, context, done);
      if (ret && typeof ret.then === "function") {
        ret.then((r) => done(null, r), (e) => done(e === undefined ? new Error("undefined") : e));
      } else if (handler.length < 3 && !settled) {
        // A synchronous handler without a callback: its return value is the result.
        done(null, ret);
      }
    } catch (e) {
      done(e);
    }
  });
  if (outcome.err !== null && outcome.err !== undefined) {
    const doc = errorDoc(outcome.err);
    logError(doc);
    await post(requestId, "error", JSON.stringify(doc), doc.errorType);
    return;
  }
  let payload;
  try {
    payload = JSON.stringify(outcome.result === undefined ? null : outcome.result);
  } catch (e) {
    const doc = { errorType: "Runtime.MarshalError", errorMessage: `Unable to stringify response body: ${e.message}`, trace: [] };
    logError(doc);
    await post(requestId, "error", JSON.stringify(doc), doc.errorType);
    return;
  }
  await post(requestId, "response", payload);
}

async function main() {
  patchConsole();
  let handler;
  try {
    handler = await loadHandler();
  } catch (e) {
    const doc = errorDoc(e, e.lambdaType || "Runtime.ImportModuleError");
    if (doc.errorType === "Runtime.ImportModuleError" || doc.errorType === "Runtime.UserCodeSyntaxError") {
      doc.errorMessage = `${e.name || "Error"}: ${e.message}`;
    }
    logError(doc);
    await request("POST", "/2018-06-01/runtime/init/error", JSON.stringify(doc), {
      "Lambda-Runtime-Function-Error-Type": doc.errorType,
    });
    process.exit(1);
  }
  process.on("unhandledRejection", (reason) => {
    const doc = errorDoc(reason, "Runtime.UnhandledPromiseRejection");
    logError(doc);
    if (currentRequestId) {
      post(currentRequestId, "error", JSON.stringify(doc), doc.errorType).finally(() => process.exit(128));
    } else {
      process.exit(128);
    }
  });
  process.on("uncaughtException", (err) => {
    const doc = errorDoc(err);
    logError(doc);
    if (currentRequestId) {
      post(currentRequestId, "error", JSON.stringify(doc), doc.errorType).finally(() => process.exit(129));
    } else {
      process.exit(129);
    }
  });
  for (;;) {
    const next = await request("GET", "/2018-06-01/runtime/invocation/next");
    if (next.status !== 200) {
      await new Promise((r) => setTimeout(r, 10));
      continue;
    }
    await invokeOnce(handler, next);
  }
}

main();
