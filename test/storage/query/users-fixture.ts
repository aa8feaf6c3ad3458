/** A `users` table with one column of (almost) every type, nullable columns and indexes. */
import type { Row } from '../../../src/storage/schema';
import { buildSource, makeTable } from './query-fixtures';

export const users = makeTable(
  'users',
  [
    { name: 'id', type: 'integer' },
    { name: 'username', type: 'text' },
    { name: 'age', type: 'u8', nullable: true },
    { name: 'balance', type: 'u64' },
    { name: 'created', type: 'timestamp' },
    { name: 'score', type: 'float', nullable: true },
    { name: 'big', type: 'u256', nullable: true },
    { name: 'avatar', type: 'blob', nullable: true },
    { name: 'meta', type: 'json', nullable: true },
    { name: 'email', type: 'text', nullable: true },
    { name: 'active', type: 'boolean' },
  ],
  ['id'],
  [
    { name: 'by_age', columns: ['age'] },
    { name: 'by_email', columns: ['email'], unique: true },
    { name: 'by_created', columns: ['created'] },
  ],
);

const MAX_U64 = 2n ** 64n - 1n;

export const userRows: Row[] = [
  {
    id: 1,
    username: 'alice',
    age: 30,
    balance: 100n,
    created: 1000n,
    score: 1.5,
    big: 10n,
    avatar: new Uint8Array([1, 2]),
    meta: { a: 1 },
    email: 'alice@x.com',
    active: true,
  },
  {
    id: 2,
    username: 'bob',
    age: null,
    balance: 0n,
    created: 2000n,
    score: null,
    big: null,
    avatar: null,
    meta: null,
    email: null,
    active: false,
  },
  {
    id: 3,
    username: 'carol',
    age: 25,
    balance: MAX_U64,
    created: 3000n,
    score: -2.25,
    big: 2n ** 255n,
    avatar: new Uint8Array([0]),
    meta: [1, 2],
    email: 'carol@y.org',
    active: true,
  },
  {
    id: 4,
    username: 'dave',
    age: 30,
    balance: 50n,
    created: -500n,
    score: Infinity,
    big: 5n,
    avatar: new Uint8Array([1]),
    meta: { b: 'x' },
    email: 'dave@x.com',
    active: false,
  },
  {
    id: 5,
    username: 'éve',
    age: 41,
    balance: 100n,
    created: 1000n,
    score: 0,
    big: 10n,
    avatar: null,
    meta: { a: 1 },
    email: null,
    active: true,
  },
  {
    id: 6,
    username: '😀smile',
    age: null,
    balance: 7n,
    created: 6000n,
    score: 3,
    big: 0n,
    avatar: new Uint8Array([]),
    meta: 'text',
    email: 'six@x.com',
    active: true,
  },
  {
    id: 7,
    username: '\uFFFFhigh',
    age: 255,
    balance: 1n,
    created: 7000n,
    score: -Infinity,
    big: 1n,
    avatar: null,
    meta: null,
    email: 'seven@y.org',
    active: false,
  },
  {
    id: 8,
    username: 'a_b%c',
    age: 0,
    balance: 8n,
    created: 8000n,
    score: 8,
    big: 8n,
    avatar: null,
    meta: 8,
    email: 'eight@x.com',
    active: true,
  },
  {
    id: -3,
    username: 'neg',
    age: 19,
    balance: 3n,
    created: -3000n,
    score: null,
    big: 3n,
    avatar: null,
    meta: null,
    email: null,
    active: false,
  },
];

export const usersSource = buildSource(users, userRows, 42);

/** `{ events }`: composite (text, integer) primary key and an index on a nullable column. */
export const events = makeTable(
  'events',
  [
    { name: 'region', type: 'text' },
    { name: 'n', type: 'integer' },
    { name: 'kind', type: 'text', nullable: true },
    { name: 'amount', type: 'i256' },
  ],
  ['region', 'n'],
  [{ name: 'by_kind', columns: ['kind', 'amount'] }],
);

export const eventRows: Row[] = [];
{
  const regions = ['eu', 'us', 'eu-west', 'ap', ''];
  const kinds = ['click', 'view', null, 'buy'];
  let i = 0;
  for (const region of regions) {
    for (let n = -2; n < 6; n++) {
      eventRows.push({ region, n, kind: kinds[i % kinds.length], amount: BigInt(i * 7 - 20) });
      i++;
    }
  }
}

export const eventsSource = buildSource(events, eventRows, 9);
