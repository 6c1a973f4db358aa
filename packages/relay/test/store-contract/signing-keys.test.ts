import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  type AuthSigningKeyRecord,
  type Project,
  type SigningKeyRecord,
  type Store,
} from '../../src/store/types/index.js';
import { backends, type OpenedStore } from './backends.js';
import { projectRecord } from '../helpers/store-records.js';

const at = 1_700_000_000_000;
const project: Project = projectRecord('prj_keys', { name: 'Keys' });

const jwk = (n: number) => ({ kty: 'EC', crv: 'P-256', x: `x${n}`, y: `y${n}`, kid: `kid_${n}` });
const key = (n: number, projectId = project.id): SigningKeyRecord => ({
  kid: `kid_${n}`,
  projectId,
  alg: 'ES256',
  publicJwk: jwk(n),
  sealedPrivateJwk: `v1.sealed.${n}`,
  createdAt: at + n,
});
const authKey = (n: number): AuthSigningKeyRecord => {
  const { projectId: _p, ...rest } = key(n);
  return rest;
};
const kids = (keys: Array<{ kid: string }>) => keys.map((k) => k.kid);

/**
 * Reads at once, so that a pooled backend has its connections open before a race: the calls that
 * follow then overlap instead of queueing behind one connection being opened.
 */
const warmUp = (read: () => Promise<unknown>) => Promise.all(Array.from({ length: 8 }, read));

describe.each(backends)('signingKeys ($name)', (backend) => {
  let opened: OpenedStore;
  let store: Store;
  beforeEach(async () => {
    opened = await backend.open();
    store = opened.store;
    await store.projects.create(project);
    await store.projects.create({ ...project, id: 'prj_other' });
  });
  afterEach(() => opened.dispose());

  it('stores the first key only, and answers the current one', async () => {
    expect(await store.signingKeys.latest(project.id, 5)).toEqual([]);
    expect(await store.signingKeys.insertIfNone(key(1))).toEqual(key(1));
    expect(await store.signingKeys.insertIfNone(key(2))).toEqual(key(1));
    expect(await store.signingKeys.insertIfNone(key(3, 'prj_other'))).toEqual(key(3, 'prj_other'));
    expect(await store.signingKeys.latest(project.id, 5)).toEqual([key(1)]);
    expect(await store.signingKeys.latest('prj_\u0000', 5)).toEqual([]);
  });

  it('rotates: the new key is current, and only the newest `keep` remain', async () => {
    await store.signingKeys.insertIfNone(key(1));
    await store.signingKeys.insertIfNone(key(9, 'prj_other'));
    for (const n of [2, 3, 4]) await store.signingKeys.rotate(key(n), 3);
    expect(await store.signingKeys.latest(project.id, 10)).toEqual([key(4), key(3), key(2)]);
    expect(kids(await store.signingKeys.latest(project.id, 2))).toEqual(['kid_4', 'kid_3']);
    await store.signingKeys.rotate(key(5), 1);
    expect(await store.signingKeys.latest(project.id, 10)).toEqual([key(5)]);
    expect(await store.signingKeys.latest('prj_other', 10)).toEqual([key(9, 'prj_other')]);
  });

  it('keeps one first key when several are stored at once', async () => {
    await warmUp(() => store.signingKeys.latest(project.id, 1));
    const answers = await Promise.all([1, 2, 3, 4, 5].map((n) => store.signingKeys.insertIfNone(key(n))));
    const stored = await store.signingKeys.latest(project.id, 10);
    expect(stored).toHaveLength(1);
    expect(new Set(kids(answers))).toEqual(new Set(kids(stored)));
  });

  it('keeps `keep` keys when rotations run at once', async () => {
    await store.signingKeys.insertIfNone(key(1));
    await warmUp(() => store.signingKeys.latest(project.id, 1));
    await Promise.all([2, 3, 4, 5, 6, 7].map((n) => store.signingKeys.rotate(key(n), 2)));
    const stored = await store.signingKeys.latest(project.id, 10);
    expect(stored).toHaveLength(2);
    expect(kids(stored)).not.toContain('kid_1');
  });
});

describe.each(backends)('authSigningKeys ($name)', (backend) => {
  let opened: OpenedStore;
  let store: Store;
  beforeEach(async () => {
    opened = await backend.open();
    store = opened.store;
  });
  afterEach(() => opened.dispose());

  it('stores the first key only, and finds keys by kid', async () => {
    expect(await store.authSigningKeys.current()).toBeNull();
    expect(await store.authSigningKeys.insertIfNone(authKey(1))).toEqual(authKey(1));
    expect(await store.authSigningKeys.insertIfNone(authKey(2))).toEqual(authKey(1));
    expect(await store.authSigningKeys.current()).toEqual(authKey(1));
    expect(await store.authSigningKeys.byKid('kid_1')).toEqual(authKey(1));
    expect(await store.authSigningKeys.byKid('kid_2')).toBeNull();
    expect(await store.authSigningKeys.byKid('kid_1\u0000')).toBeNull();
  });

  it('keeps one key when relays store their first at once', async () => {
    await warmUp(() => store.authSigningKeys.current());
    const answers = await Promise.all([1, 2, 3, 4].map((n) => store.authSigningKeys.insertIfNone(authKey(n))));
    const current = await store.authSigningKeys.current();
    expect(new Set(kids(answers))).toEqual(new Set([current!.kid]));
    const others = await Promise.all(
      ['kid_1', 'kid_2', 'kid_3', 'kid_4'].map((kid) => store.authSigningKeys.byKid(kid)),
    );
    expect(others.filter(Boolean)).toEqual([current]);
  });
});
