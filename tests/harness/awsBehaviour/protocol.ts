import { randomUUID } from 'node:crypto';
import type { EmulatorAnswer, EmulatorCall } from '../../../bin/lib/emulator';

/**
 * The two wire protocols the layer speaks, so the real SDK parses its answers and runs its retries: the
 * query protocol (RDS, ElastiCache, Auto Scaling, SNS: form-encoded requests, XML answers and errors) and
 * the JSON protocols (CloudWatch, DynamoDB, Service Quotas, Application Auto Scaling: `X-Amz-Target`,
 * `__type` errors).
 */
export interface AwsCall {
  readonly service: string;
  readonly action: string;
  readonly protocol: 'query' | 'json';
  /** Query protocol: the form parameters (`Filters.Filter.1.Name` …). */
  readonly params: URLSearchParams;
  /** JSON protocols: the parsed body. */
  readonly json: Record<string, unknown>;
  readonly raw: EmulatorCall;
}

export function parseCall(raw: EmulatorCall): AwsCall | undefined {
  if (!raw.action || !raw.service) return undefined;
  const text = raw.body.toString('utf8');
  const target = raw.headers['x-amz-target'];
  if (typeof target === 'string') {
    let json: Record<string, unknown> = {};
    try {
      json = text ? (JSON.parse(text) as Record<string, unknown>) : {};
    } catch {
      json = {};
    }
    return {
      service: raw.service,
      action: raw.action,
      protocol: 'json',
      params: new URLSearchParams(),
      json,
      raw,
    };
  }
  return {
    service: raw.service,
    action: raw.action,
    protocol: 'query',
    params: new URLSearchParams(text),
    json: {},
    raw,
  };
}

/**
 * Which attempt of its call a request is (the SDK's `amz-sdk-request: attempt=N; max=M` header; 1 without it).
 * A fault keyed on it plays the same whichever of several parallel calls reaches the layer first.
 */
export function attemptOf(call: AwsCall): number {
  const header = call.raw.headers['amz-sdk-request'];
  const attempt = /attempt=(\d+)/.exec(typeof header === 'string' ? header : '')?.[1];
  return attempt ? Number(attempt) : 1;
}

/** The values of a query-protocol list parameter (`NodeGroupsToRemove.NodeGroupToRemove.1`, …) in order. */
export function listParam(params: URLSearchParams, prefix: string): string[] {
  const values: [number, string][] = [];
  for (const [key, value] of params)
    if (key.startsWith(`${prefix}.`)) {
      const n = Number(
        key
          .slice(prefix.length + 1)
          .split('.')
          .pop(),
      );
      if (Number.isFinite(n)) values.push([n, value]);
    }
  return values.sort((a, b) => a[0] - b[0]).map(([, v]) => v);
}

const xmlHeaders = { 'content-type': 'text/xml' };

export function escapeXml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** A query-protocol success: `<ActionResponse><ActionResult>inner</ActionResult>…`. */
export function queryResult(action: string, inner: string): EmulatorAnswer {
  return {
    status: 200,
    headers: xmlHeaders,
    body: Buffer.from(
      `<${action}Response><${action}Result>${inner}</${action}Result><ResponseMetadata><RequestId>${randomUUID()}</RequestId></ResponseMetadata></${action}Response>`,
    ),
  };
}

/** A query-protocol error as AWS sends it: the SDK maps `Code` to the operation's modelled error class. */
export function queryError(code: string, message: string, status = 400): EmulatorAnswer {
  return {
    status,
    headers: xmlHeaders,
    body: Buffer.from(
      `<ErrorResponse><Error><Type>${status >= 500 ? 'Receiver' : 'Sender'}</Type><Code>${code}</Code><Message>${escapeXml(message)}</Message></Error><RequestId>${randomUUID()}</RequestId></ErrorResponse>`,
    ),
  };
}

/** A JSON-protocol success. */
export function jsonResult(value: unknown, contentType = 'application/x-amz-json-1.1'): EmulatorAnswer {
  return { status: 200, headers: { 'content-type': contentType }, body: Buffer.from(JSON.stringify(value)) };
}

/**
 * A JSON-protocol error. CloudWatch's JSON protocol keeps its query-era codes (`awsQueryCompat`): the
 * `x-amzn-query-error` header carries them (`Throttling;Sender`).
 */
export function jsonError(code: string, message: string, status = 400, queryCode?: string): EmulatorAnswer {
  return {
    status,
    headers: {
      'content-type': 'application/x-amz-json-1.0',
      'x-amzn-errortype': code,
      ...(queryCode ? { 'x-amzn-query-error': `${queryCode};${status >= 500 ? 'Receiver' : 'Sender'}` } : {}),
    },
    body: Buffer.from(JSON.stringify({ __type: code, message })),
  };
}

/** An error in the call's own protocol. */
export function awsError(call: AwsCall, code: string, message: string, status = 400): EmulatorAnswer {
  return call.protocol === 'query' ? queryError(code, message, status) : jsonError(code, message, status);
}

/** What an overloaded front end (or the emulator's web server) sends: a 5xx whose body is an HTML page. */
export function htmlPage(status: number): EmulatorAnswer {
  const title =
    status === 502 ? 'Bad Gateway' : status === 503 ? 'Service Unavailable' : 'Internal Server Error';
  return {
    status,
    headers: { 'content-type': 'text/html; charset=utf-8' },
    body: Buffer.from(
      `<!doctype html>\n<html lang=en>\n<title>${status} ${title}</title>\n<h1>${title}</h1>\n<p>The server is overloaded; try again.</p>\n`,
    ),
  };
}

/** The text of the first `<tag>` element in `xml` (undefined when absent). */
export function xmlText(xml: string, tag: string): string | undefined {
  return new RegExp(`<${tag}>([^<]*)</${tag}>`).exec(xml)?.[1];
}

/** Every `<tag>…</tag>` element (not nested in itself), with its position. */
export function xmlElements(xml: string, tag: string): { start: number; end: number; text: string }[] {
  const found: { start: number; end: number; text: string }[] = [];
  const re = new RegExp(`<${tag}>[\\s\\S]*?</${tag}>`, 'g');
  for (let m = re.exec(xml); m; m = re.exec(xml))
    found.push({ start: m.index, end: m.index + m[0].length, text: m[0] });
  return found;
}

/** `xml` with each `<tag>` element replaced by `edit(element)`. */
export function editElements(xml: string, tag: string, edit: (element: string) => string): string {
  let out = '';
  let at = 0;
  for (const e of xmlElements(xml, tag)) {
    out += xml.slice(at, e.start) + edit(e.text);
    at = e.end;
  }
  return out + xml.slice(at);
}

/** Sets the text of a child `<tag>` (adding it before the closing tag of `element` when absent). */
export function setChild(element: string, tag: string, inner: string): string {
  const re = new RegExp(`<${tag}>[\\s\\S]*?</${tag}>|<${tag}/>`);
  if (re.test(element)) return element.replace(re, `<${tag}>${inner}</${tag}>`);
  const close = element.lastIndexOf('</');
  return `${element.slice(0, close)}<${tag}>${inner}</${tag}>${element.slice(close)}`;
}

/** Removes a child `<tag>` element. */
export function removeChild(element: string, tag: string): string {
  return element.replace(new RegExp(`<${tag}>[\\s\\S]*?</${tag}>|<${tag}/>`), '');
}

export function answerText(answer: EmulatorAnswer): string {
  return answer.body.toString('utf8');
}

export function withBody(answer: EmulatorAnswer, body: string): EmulatorAnswer {
  return { ...answer, body: Buffer.from(body) };
}

/** The top-level `<member>` elements of a query-protocol list's content (members nest in members). */
export function topMembers(content: string): string[] {
  const members: string[] = [];
  const re = /<member>|<\/member>/g;
  let depth = 0;
  let start = 0;
  for (let m = re.exec(content); m; m = re.exec(content)) {
    if (m[0] === '<member>') {
      if (depth === 0) start = m.index;
      depth += 1;
    } else {
      depth -= 1;
      if (depth === 0) members.push(content.slice(start, m.index + m[0].length));
    }
  }
  return members;
}

/** `xml` with the members of its first `<listTag>` list replaced by `edit(members)`. */
export function editList(xml: string, listTag: string, edit: (members: string[]) => string[]): string {
  const open = xml.indexOf(`<${listTag}>`);
  if (open === -1) return xml;
  const from = open + listTag.length + 2;
  // The list's own closing tag: the first one after the last member that belongs to it.
  const close = closingIndex(xml, listTag, from);
  if (close === -1) return xml;
  const members = topMembers(xml.slice(from, close));
  return `${xml.slice(0, from)}${edit(members).join('')}${xml.slice(close)}`;
}

function closingIndex(xml: string, tag: string, from: number): number {
  const re = new RegExp(`<${tag}>|</${tag}>`, 'g');
  re.lastIndex = from;
  let depth = 1;
  for (let m = re.exec(xml); m; m = re.exec(xml)) {
    depth += m[0].startsWith('</') ? -1 : 1;
    if (depth === 0) return m.index;
  }
  return -1;
}
