import { describe, expect, it } from 'vitest';
import { defineConfig } from '../../../framework/deploy/config.js';
import { apiArns, functionArns, refuseCall } from '../../../framework/deploy/delegates.js';

const delegates = {
  apis: ['https://abc123.execute-api.us-east-1.amazonaws.com/prod', 'https://api.example.com/v1'],
  functions: ['scorer', 'arn:aws:lambda:eu-west-1:123456789012:function:enrich'],
};
const post = (url: string) => ({ kind: 'http', method: 'POST', url });
const invoke = (functionName: string) => ({ kind: 'lambda', functionName });

describe('refuseCall: what the deployed delegate function may call', () => {
  it('lets through calls under a configured API and to configured functions', () => {
    for (const task of [
      post('https://abc123.execute-api.us-east-1.amazonaws.com/prod/score'),
      post('https://abc123.execute-api.us-east-1.amazonaws.com/prod/score?x=1'),
      post('https://api.example.com/v1'),
      post('https://api.example.com/v1/users/42'),
      invoke('scorer'),
      invoke('scorer:live'),
      invoke('arn:aws:lambda:us-east-1:123456789012:function:scorer'),
      invoke('enrich'),
    ]) {
      expect(refuseCall(delegates, task), JSON.stringify(task)).toBeUndefined();
    }
  });

  it('refuses calls that only look like them', () => {
    for (const task of [
      post('https://abc123.execute-api.us-east-1.amazonaws.com/dev/score'), // another stage
      post('https://abc123.execute-api.us-east-1.amazonaws.com/prod/../dev/score'), // walks out
      post('https://abc123.execute-api.us-east-1.amazonaws.com/prod/%2e%2e/dev/score'),
      post('https://api.example.com/v10/users'), // a longer path segment
      post('https://api.example.com.evil.example/v1/users'), // another host
      post('https://api.example.com@evil.example/v1/users'), // user info
      post('http://api.example.com/v1/users'), // downgraded to plain HTTP
      post('https://api.example.com:8443/v1/users'), // another port
      post('not a url'),
      invoke('scorer-admin'),
      invoke('arn:aws:lambda:us-east-1:123456789012:function:other'),
      { kind: 'shell', command: 'rm -rf /' },
      null,
    ]) {
      expect(refuseCall(delegates, task), JSON.stringify(task)).toMatch(/delegates|not an HTTP call/);
    }
  });

  it('refuses every call when the config names nothing', () => {
    expect(refuseCall({}, post('https://api.example.com/v1/x'))).toBeDefined();
    expect(refuseCall({}, invoke('scorer'))).toBeDefined();
  });
});

describe('the delegate role’s resources', () => {
  it('gives each API Gateway stage every route, and other URLs nothing', () => {
    expect(apiArns(delegates)).toEqual([
      { 'Fn::Sub': `arn:\${AWS::Partition}:execute-api:us-east-1:\${AWS::AccountId}:abc123/prod/*` },
    ]);
    expect(apiArns({ apis: ['https://xyz789.execute-api.eu-west-1.amazonaws.com'] })).toEqual([
      { 'Fn::Sub': `arn:\${AWS::Partition}:execute-api:eu-west-1:\${AWS::AccountId}:xyz789/*/*` },
    ]);
  });

  it('gives each function and its versions', () => {
    expect(functionArns(delegates)).toEqual([
      { 'Fn::Sub': `arn:\${AWS::Partition}:lambda:\${AWS::Region}:\${AWS::AccountId}:function:scorer` },
      { 'Fn::Sub': `arn:\${AWS::Partition}:lambda:\${AWS::Region}:\${AWS::AccountId}:function:scorer:*` },
      { 'Fn::Sub': 'arn:aws:lambda:eu-west-1:123456789012:function:enrich' },
      { 'Fn::Sub': 'arn:aws:lambda:eu-west-1:123456789012:function:enrich:*' },
    ]);
  });
});

describe('defineConfig delegates', () => {
  it('refuses targets that are not base URLs or function names', () => {
    for (const apis of [
      ['ftp://x.example/'],
      ['https://x.example/v1?key=secret'],
      ['https://u:p@x.example/'],
      ['x'],
    ]) {
      expect(() => defineConfig({ jobs: {}, delegates: { apis } }), apis[0]).toThrow(/delegates\.apis/);
    }
    expect(() => defineConfig({ jobs: {}, delegates: { functions: ['a b'] } })).toThrow(
      /delegates\.functions/,
    );
  });
});
