import { describe, expect, it } from 'vitest';
import { delegateTaskSchema } from '../../../framework/contract/delegate.js';
import { gateway, http, lambda } from '../../../framework/delegate/builders.js';
import { InvalidTaskError } from '../../../framework/delegate/errors.js';
import { parseTask } from '../../../framework/delegate/parseTask.js';

describe('task builders', () => {
  it('builds an HTTP task per verb under a gateway stage, with query, headers and auth', () => {
    const api = gateway('https://abc123.execute-api.eu-west-1.amazonaws.com/prod/', {
      auth: 'iam',
      headers: { 'x-team': 'risk' },
    });
    const task = api
      .resource('/score')
      .post({ id: 7 }, { query: { model: 'v 2', tag: ['a', 'b'] }, headers: { 'x-run': '1' } });
    const url = new URL(task.url);
    expect(url.origin + url.pathname).toBe('https://abc123.execute-api.eu-west-1.amazonaws.com/prod/score');
    expect(url.searchParams.get('model')).toBe('v 2');
    expect(url.searchParams.getAll('tag')).toEqual(['a', 'b']);
    expect(task).toMatchObject({ kind: 'http', method: 'POST', body: { id: 7 }, auth: { type: 'iam' } });
    expect(task.headers).toEqual({ 'x-team': 'risk', 'x-run': '1' });
    for (const verb of ['get', 'delete'] as const)
      expect(api.resource('/a')[verb]().method).toBe(verb.toUpperCase());
    for (const verb of ['put', 'patch'] as const)
      expect(api.resource('/a')[verb]({}).method).toBe(verb.toUpperCase());
    // What the builders make is what the executor accepts.
    expect(delegateTaskSchema.safeParse(task).success).toBe(true);
    expect(JSON.parse(JSON.stringify(task))).toEqual(task);
  });

  it('refuses URLs that are not absolute http(s), naming the bad value', () => {
    for (const bad of [
      'ftp://example.com/x',
      'file:///etc/passwd',
      'example.com/score',
      'https://user:pw@example.com/',
    ]) {
      expect(() => gateway(bad)).toThrowError(InvalidTaskError);
      expect(() => http(bad)).toThrowError(JSON.stringify(bad));
    }
    expect(() => gateway('https://example.com').resource('/../admin')).toThrowError(/'\.\.'/);
    expect(() => gateway('https://example.com').resource('score')).toThrowError(InvalidTaskError);
    expect(() => gateway('https://example.com').resource('/a?b=1')).toThrowError(/query/);
  });

  it('refuses header injection and headers the executor owns', () => {
    const api = http('https://example.com/x');
    expect(() => api.get({ headers: { 'x-a': 'ok\r\nx-evil: 1' } })).toThrowError(InvalidTaskError);
    expect(() => api.get({ headers: { Authorization: 'Bearer t' } })).toThrowError(/executor sets/);
    expect(() => api.get({ headers: { 'Idempotency-Key': 'k' } })).toThrowError(/executor sets/);
    expect(() => api.get({ headers: { 'bad header': 'v' } })).toThrowError(/not an HTTP header name/);
  });

  it('refuses an API key read from an AWS_* variable (the function’s own credentials)', () => {
    expect(() =>
      http('https://example.com', { auth: { type: 'apiKey', env: 'AWS_SECRET_ACCESS_KEY' } }),
    ).toThrowError(/AWS_/);
    expect(() => http('https://example.com', { auth: { type: 'apiKey' } })).toThrowError(/exactly one/);
    expect(
      http('https://example.com', { auth: { type: 'apiKey', ssmParameter: '/svc/key' } }).get().auth,
    ).toEqual({
      type: 'apiKey',
      ssmParameter: '/svc/key',
    });
  });

  it('builds Lambda invocations and refuses names that are not functions', () => {
    expect(lambda('enrich:live').invoke({ id: 1 })).toEqual({
      kind: 'lambda',
      functionName: 'enrich:live',
      payload: { id: 1 },
    });
    expect(lambda('arn:aws:lambda:us-east-1:123456789012:function:enrich').invoke()).toEqual({
      kind: 'lambda',
      functionName: 'arn:aws:lambda:us-east-1:123456789012:function:enrich',
    });
    expect(() => lambda('../x')).toThrowError(/"\.\.\/x"/);
  });

  it('parseTask names what is wrong in a task read back from storage', () => {
    const checked = parseTask({ kind: 'http', method: 'GET', url: 'gopher://x', body: 1 });
    expect(checked.ok).toBe(false);
    if (!checked.ok) {
      expect(checked.reason).toMatch(/url: .*gopher:/);
      expect(checked.reason).toMatch(/body: a GET task has no body/);
    }
    expect(parseTask({ kind: 'shell', command: 'rm' }).ok).toBe(false);
  });
});
