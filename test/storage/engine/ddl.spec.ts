/**
 * Schema changes through the public API: projects, scopes, tables, columns and indexes, their
 * validation (typed errors naming the object, nothing changed on failure), the list / describe /
 * exists reads, and that every change survives a reopen.
 */
import {
  AlreadyExistsError,
  Expr,
  NotFoundError,
  Query,
  ValidationError,
  type AedbInstance,
  type ColumnDef,
  type CreateTableOp,
} from '../../../src/index';
import {
  NO_CHECKPOINT_ON_CLOSE,
  allRows,
  checkAcrossReopens,
  createScope,
  createUsers,
  dumpState,
  expectFailsCleanly,
  expectRejects,
  kvDump,
  useEngine,
} from './engine-fixture';

const engine = useEngine();

const USERS = { projectId: 'p', scopeId: 's', tableName: 'users' } as const;

function table(
  columns: readonly ColumnDef[],
  primaryKey: readonly string[],
  tableName = 't',
): Omit<CreateTableOp, 'type'> {
  return { projectId: 'p', scopeId: 's', tableName, columns, primaryKey };
}

async function insertUsers(db: AedbInstance, n: number): Promise<void> {
  const rows = [];
  for (let i = 1; i <= n; i++) {
    rows.push({
      type: 'insert' as const,
      ...USERS,
      row: { id: i, name: `n${i}`, age: i % 2 === 0 ? i : null, email: `e${i}` },
    });
  }
  await db.commitMany(rows);
}

describe('projects', () => {
  it('creates, lists, checks and drops projects', async () => {
    const { db } = await engine.fresh();
    const r = await db.createProject('beta');
    expect(r.commitSeq).toBe(1);
    await db.createProject('alpha');
    expect(await db.listProjects()).toEqual(['alpha', 'beta']);
    expect(await db.projectExists('alpha')).toBe(true);
    expect(await db.projectExists('gamma')).toBe(false);
    await db.dropProject('beta');
    expect(await db.listProjects()).toEqual(['alpha']);
    expect(await db.projectExists('beta')).toBe(false);
  });

  it('rejects a duplicate with ALREADY_EXISTS naming it, unless ifNotExists', async () => {
    const { db } = await engine.fresh();
    await db.createProject('p');
    await expectFailsCleanly(
      db,
      () => db.createProject('p'),
      AlreadyExistsError,
      'ALREADY_EXISTS',
      "project 'p'",
    );
    await db.createScope('p', 's');
    await db.createProject('p', { ifNotExists: true });
    // ifNotExists did not reset the existing project.
    expect(await db.listScopes('p')).toEqual(['s']);
  });

  it('rejects dropping a missing project with NOT_FOUND naming it, unless ifExists', async () => {
    const { db } = await engine.fresh();
    await db.createProject('keep');
    await expectFailsCleanly(
      db,
      () => db.dropProject('nope'),
      NotFoundError,
      'NOT_FOUND',
      "project 'nope'",
    );
    await db.dropProject('nope', { ifExists: true });
    expect(await db.listProjects()).toEqual(['keep']);
  });

  it('drops scopes, tables and KV with the project; a re-created project starts empty', async () => {
    const { db } = await engine.fresh();
    await createUsers(db);
    await insertUsers(db, 3);
    await db.kvSet('p', 's', 'k', 'v');
    await db.dropProject('p');
    await expectRejects(db.listScopes('p'), NotFoundError, 'NOT_FOUND', "project 'p'");
    await expectRejects(db.kvGet('p', 's', 'k'), NotFoundError, 'NOT_FOUND', "project 'p'");
    await createScope(db);
    expect(await db.listTables('p', 's')).toEqual([]);
    expect(await db.kvGet('p', 's', 'k')).toBeUndefined();
    expect(kvDump(db.snapshot(), 'p', 's')).toEqual([]);
    const again = await engine.reopen(db);
    expect(await again.listTables('p', 's')).toEqual([]);
    expect(await again.kvGet('p', 's', 'k')).toBeUndefined();
  });

  it("reserves the '_system' project for the engine", async () => {
    const { db } = await engine.fresh();
    await expectFailsCleanly(
      db,
      () => db.createProject('_system'),
      ValidationError,
      'VALIDATION',
      "'_system'",
    );
    await expectRejects(db.dropProject('_system'), ValidationError, 'VALIDATION', "'_system'");
    await expectRejects(db.createScope('_system', 's'), ValidationError, 'VALIDATION', "'_system'");
    await expectRejects(
      db.kvSet('_system', 's', 'k', 'v'),
      ValidationError,
      'VALIDATION',
      "'_system'",
    );
    await expectRejects(db.projectExists('_system'), ValidationError, 'VALIDATION', "'_system'");
    expect(await db.listProjects()).toEqual([]);
  });

  it.each([
    ['empty', ''],
    ['a space', 'a b'],
    ['a dot', 'a.b'],
    ['a slash', 'a/b'],
    ['non-ASCII', 'café'],
    ['65 characters', 'x'.repeat(65)],
  ])('rejects a project name with %s with VALIDATION', async (_label, name) => {
    const { db } = await engine.fresh();
    await expectFailsCleanly(
      db,
      () => db.createProject(name),
      ValidationError,
      'VALIDATION',
      'project name',
    );
  });

  it('accepts the full name alphabet and 64-character names', async () => {
    const { db } = await engine.fresh();
    const long = 'a'.repeat(64);
    await db.createProject('Az09_-');
    await db.createProject(long);
    expect(await db.listProjects()).toEqual(['Az09_-', long]);
  });

  it('rejects a non-string project id with VALIDATION', async () => {
    const { db } = await engine.fresh();
    await expectRejects(
      db.createProject(7 as unknown as string),
      ValidationError,
      'VALIDATION',
      'project name',
    );
  });
});

describe('scopes', () => {
  it('creates, lists, checks and drops scopes', async () => {
    const { db } = await engine.fresh();
    await db.createProject('p');
    await db.createScope('p', 'b');
    await db.createScope('p', 'a');
    expect(await db.listScopes('p')).toEqual(['a', 'b']);
    expect(await db.scopeExists('p', 'a')).toBe(true);
    expect(await db.scopeExists('p', 'z')).toBe(false);
    await db.dropScope('p', 'a');
    expect(await db.listScopes('p')).toEqual(['b']);
  });

  it('rejects a scope in a missing project with NOT_FOUND naming the project', async () => {
    const { db } = await engine.fresh();
    await expectFailsCleanly(
      db,
      () => db.createScope('nope', 's'),
      NotFoundError,
      'NOT_FOUND',
      "project 'nope'",
    );
    await expectRejects(db.listScopes('nope'), NotFoundError, 'NOT_FOUND', "project 'nope'");
  });

  it('rejects a duplicate scope with ALREADY_EXISTS naming it, unless ifNotExists', async () => {
    const { db } = await engine.fresh();
    await createUsers(db);
    await expectFailsCleanly(
      db,
      () => db.createScope('p', 's'),
      AlreadyExistsError,
      'ALREADY_EXISTS',
      "scope 'p.s'",
    );
    await db.createScope('p', 's', { ifNotExists: true });
    expect(await db.listTables('p', 's')).toEqual(['users']);
  });

  it('rejects dropping a missing scope with NOT_FOUND naming it, unless ifExists', async () => {
    const { db } = await engine.fresh();
    await db.createProject('p');
    await expectFailsCleanly(
      db,
      () => db.dropScope('p', 'nope'),
      NotFoundError,
      'NOT_FOUND',
      "scope 'p.nope'",
    );
    await db.dropScope('p', 'nope', { ifExists: true });
  });

  it('rejects bad scope names with VALIDATION', async () => {
    const { db } = await engine.fresh();
    await db.createProject('p');
    for (const name of ['', 'a b', 'x'.repeat(65)]) {
      await expectFailsCleanly(
        db,
        () => db.createScope('p', name),
        ValidationError,
        'VALIDATION',
        'scope name',
      );
    }
  });

  it('drops tables and KV with the scope; a re-created scope starts empty, also after reopen', async () => {
    const { db } = await engine.fresh();
    await createUsers(db);
    await db.createScope('p', 'other');
    await insertUsers(db, 2);
    await db.kvSet('p', 's', 'k', 'v');
    await db.kvSet('p', 'other', 'k', 'stays');
    await db.dropScope('p', 's');
    await expectRejects(db.kvGet('p', 's', 'k'), NotFoundError, 'NOT_FOUND', "scope 'p.s'");
    await db.createScope('p', 's');
    expect(await db.listTables('p', 's')).toEqual([]);
    expect(await db.kvGet('p', 's', 'k')).toBeUndefined();
    const again = await engine.reopen(db);
    expect(await again.listTables('p', 's')).toEqual([]);
    expect(await again.kvGet('p', 's', 'k')).toBeUndefined();
    expect((await again.kvGet('p', 'other', 'k'))?.value).toEqual(
      new Uint8Array(Buffer.from('stays')),
    );
  });
});

describe('createTable', () => {
  it('creates a table and describes it', async () => {
    const { db } = await engine.fresh();
    await createUsers(db);
    expect(await db.tableExists('p', 's', 'users')).toBe(true);
    expect(await db.tableExists('p', 's', 'nope')).toBe(false);
    expect(await db.listTables('p', 's')).toEqual(['users']);
    const schema = await db.describeTable('p', 's', 'users');
    expect(schema).toMatchObject({
      projectId: 'p',
      scopeId: 's',
      tableName: 'users',
      primaryKey: ['id'],
      indexes: [],
    });
    expect(schema.columns.map((c) => [c.name, c.type, c.nullable])).toEqual([
      ['id', 'integer', false],
      ['name', 'text', false],
      ['age', 'u8', true],
      ['email', 'text', true],
    ]);
    expect(new Set(schema.columns.map((c) => c.id)).size).toBe(4);
  });

  it('accepts every column type and a multi-column primary key', async () => {
    const { db } = await engine.fresh();
    await createScope(db);
    const types = [
      'text',
      'u8',
      'u64',
      'integer',
      'float',
      'boolean',
      'u256',
      'i256',
      'blob',
      'timestamp',
      'json',
    ] as const;
    await db.createTable(
      table(
        types.map((t) => ({ name: `c_${t}`, type: t })),
        ['c_text', 'c_u64', 'c_blob'],
      ),
    );
    const schema = await db.describeTable('p', 's', 't');
    expect(schema.columns.map((c) => c.type)).toEqual([...types]);
    expect(schema.primaryKey).toEqual(['c_text', 'c_u64', 'c_blob']);
  });

  const cases: [string, Omit<CreateTableOp, 'type'>, (string | RegExp)[]][] = [
    [
      'duplicate columns',
      table(
        [
          { name: 'id', type: 'integer' },
          { name: 'id', type: 'text' },
        ],
        ['id'],
      ),
      ['p.s.t', "duplicate column 'id'"],
    ],
    [
      'an unknown column type',
      table([{ name: 'id', type: 'varchar' as 'text' }], ['id']),
      ['p.s.t', "column 'id'", 'varchar'],
    ],
    [
      'a nullable primary key column',
      table([{ name: 'id', type: 'integer', nullable: true }], ['id']),
      ['p.s.t', "'id'", 'nullable'],
    ],
    [
      'a json primary key column',
      table([{ name: 'doc', type: 'json' }], ['doc']),
      ['p.s.t', "'doc'", 'json'],
    ],
    [
      'an unknown primary key column',
      table([{ name: 'id', type: 'integer' }], ['nope']),
      ['p.s.t', 'nope'],
    ],
    [
      'a primary key column listed twice',
      table([{ name: 'id', type: 'integer' }], ['id', 'id']),
      ['p.s.t', "'id'", 'twice'],
    ],
    [
      'an empty primary key',
      table([{ name: 'id', type: 'integer' }], []),
      ['p.s.t', 'primary key'],
    ],
    ['no columns', table([], ['id']), ['p.s.t', 'columns']],
    [
      'a bad column name',
      table([{ name: 'bad name', type: 'integer' }], ['bad name']),
      ['column name', "'bad name'"],
    ],
    [
      'a non-boolean nullable',
      table([{ name: 'id', type: 'integer', nullable: 'no' as unknown as boolean }], ['id']),
      ['p.s.t', "'id'", 'nullable'],
    ],
    [
      'a bad table name',
      table([{ name: 'id', type: 'integer' }], ['id'], 'bad.name'),
      ['table name', "'bad.name'"],
    ],
  ];

  it.each(cases)(
    'rejects %s with VALIDATION naming it and creates nothing',
    async (_label, op, mentions) => {
      const { db } = await engine.fresh();
      await createScope(db);
      await expectFailsCleanly(
        db,
        () => db.createTable(op),
        ValidationError,
        'VALIDATION',
        ...mentions,
      );
      expect(await db.listTables('p', 's')).toEqual([]);
    },
  );

  it('rejects a table in a missing scope with NOT_FOUND naming the scope', async () => {
    const { db } = await engine.fresh();
    await db.createProject('p');
    await expectFailsCleanly(
      db,
      () => db.createTable(table([{ name: 'id', type: 'integer' }], ['id'])),
      NotFoundError,
      'NOT_FOUND',
      "scope 'p.s'",
    );
  });

  it('rejects an existing table with ALREADY_EXISTS naming it, unless ifNotExists', async () => {
    const { db } = await engine.fresh();
    await createUsers(db);
    await insertUsers(db, 2);
    const op = table([{ name: 'x', type: 'text' }], ['x'], 'users');
    await expectFailsCleanly(
      db,
      () => db.createTable(op),
      AlreadyExistsError,
      'ALREADY_EXISTS',
      "table 'p.s.users'",
    );
    await db.createTable({ ...op, ifNotExists: true });
    // The existing table was not replaced.
    expect((await db.describeTable('p', 's', 'users')).columns).toHaveLength(4);
    expect(await allRows(db, 'users')).toHaveLength(2);
  });

  it('creates a table and fills it atomically in one commitMany', async () => {
    const { db } = await engine.fresh();
    await createScope(db);
    const create = {
      type: 'ddl' as const,
      op: { type: 'createTable' as const, ...table([{ name: 'id', type: 'integer' }], ['id']) },
    };
    const insert = (id: unknown) => ({
      type: 'insert' as const,
      projectId: 'p',
      scopeId: 's',
      tableName: 't',
      row: { id },
    });
    // A failing insert after the DDL takes the DDL back with it.
    await expectFailsCleanly(
      db,
      () => db.commitMany([create, insert(1), insert('two')]),
      ValidationError,
      'VALIDATION',
      "column 'id'",
    );
    expect(await db.tableExists('p', 's', 't')).toBe(false);
    await db.commitMany([create, insert(1), insert(2)]);
    expect(await allRows(db, 't')).toEqual([{ id: 1 }, { id: 2 }]);
  });
});

describe('alterTable', () => {
  it('adds a nullable column: existing rows read null, new rows can set it, also after reopen', async () => {
    const { db } = await engine.fresh(NO_CHECKPOINT_ON_CLOSE);
    await createUsers(db);
    await insertUsers(db, 3);
    await db.alterTable({
      ...USERS,
      alteration: { type: 'addColumn', column: { name: 'score', type: 'u64', nullable: true } },
    });
    await db.commit({
      type: 'insert',
      ...USERS,
      row: { id: 4, name: 'n4', score: 99n },
    });
    await db.commit({ type: 'updateFields', ...USERS, primaryKey: [1], fields: { score: 5 } });
    const expected = [
      { id: 1, name: 'n1', age: null, email: 'e1', score: 5n },
      { id: 2, name: 'n2', age: 2, email: 'e2', score: null },
      { id: 3, name: 'n3', age: null, email: 'e3', score: null },
      { id: 4, name: 'n4', age: null, email: null, score: 99n },
    ];
    await checkAcrossReopens(engine, db, async (target) => {
      expect(await allRows(target, 'users')).toEqual(expected);
    });
  });

  it('rejects adding a non-nullable column with VALIDATION naming it', async () => {
    const { db } = await engine.fresh();
    await createUsers(db);
    await insertUsers(db, 1);
    await expectFailsCleanly(
      db,
      () =>
        db.alterTable({
          ...USERS,
          alteration: { type: 'addColumn', column: { name: 'score', type: 'u64' } },
        }),
      ValidationError,
      'VALIDATION',
      "'p.s.users'",
      "'score'",
      'nullable',
    );
  });

  it('rejects adding an existing column with ALREADY_EXISTS naming it', async () => {
    const { db } = await engine.fresh();
    await createUsers(db);
    await expectFailsCleanly(
      db,
      () =>
        db.alterTable({
          ...USERS,
          alteration: {
            type: 'addColumn',
            column: { name: 'email', type: 'text', nullable: true },
          },
        }),
      AlreadyExistsError,
      'ALREADY_EXISTS',
      "'p.s.users'",
      "'email'",
    );
  });

  it('rejects adding a column with a bad type or name with VALIDATION', async () => {
    const { db } = await engine.fresh();
    await createUsers(db);
    await expectFailsCleanly(
      db,
      () =>
        db.alterTable({
          ...USERS,
          alteration: {
            type: 'addColumn',
            column: { name: 'x', type: 'decimal' as 'text', nullable: true },
          },
        }),
      ValidationError,
      'VALIDATION',
      "'x'",
      'decimal',
    );
    await expectFailsCleanly(
      db,
      () =>
        db.alterTable({
          ...USERS,
          alteration: { type: 'addColumn', column: { name: 'x y', type: 'text', nullable: true } },
        }),
      ValidationError,
      'VALIDATION',
      'column name',
    );
  });

  it('drops a column: rows no longer have it, and a new column with its name starts empty', async () => {
    const { db } = await engine.fresh(NO_CHECKPOINT_ON_CLOSE);
    await createUsers(db);
    await insertUsers(db, 2);
    await db.alterTable({ ...USERS, alteration: { type: 'dropColumn', name: 'email' } });
    expect((await db.describeTable('p', 's', 'users')).columns.map((c) => c.name)).toEqual([
      'id',
      'name',
      'age',
    ]);
    expect(await allRows(db, 'users')).toEqual([
      { id: 1, name: 'n1', age: null },
      { id: 2, name: 'n2', age: 2 },
    ]);
    await expectFailsCleanly(
      db,
      () => db.commit({ type: 'insert', ...USERS, row: { id: 3, name: 'n3', email: 'x' } }),
      ValidationError,
      'VALIDATION',
      "'email'",
    );
    // Re-adding the name must not resurrect the old values (column ids are never reused).
    await db.alterTable({
      ...USERS,
      alteration: { type: 'addColumn', column: { name: 'email', type: 'text', nullable: true } },
    });
    const expected = [
      { id: 1, name: 'n1', age: null, email: null },
      { id: 2, name: 'n2', age: 2, email: null },
    ];
    await checkAcrossReopens(engine, db, async (target) => {
      expect(await allRows(target, 'users')).toEqual(expected);
    });
  });

  it('never reuses a dropped column id, even after reopen (old values stay gone)', async () => {
    for (const checkpointOnClose of [false, true]) {
      const { db } = await engine.fresh({ durabilityMode: 'os', checkpointOnClose });
      await createUsers(db);
      await insertUsers(db, 3);
      await db.alterTable({ ...USERS, alteration: { type: 'dropColumn', name: 'email' } });
      const again = await engine.reopen(db);
      await again.alterTable({
        ...USERS,
        alteration: { type: 'addColumn', column: { name: 'email', type: 'text', nullable: true } },
      });
      await again.alterTable({
        ...USERS,
        alteration: { type: 'addColumn', column: { name: 'other', type: 'text', nullable: true } },
      });
      const rows = await allRows(again, 'users');
      expect(rows.map((r) => [r.email, r.other])).toEqual([
        [null, null],
        [null, null],
        [null, null],
      ]);
      const ids = (await again.describeTable('p', 's', 'users')).columns.map((c) => c.id);
      expect(new Set(ids).size).toBe(ids.length);
    }
  });

  it('rejects dropping a primary key column, an indexed column, an unknown column', async () => {
    const { db } = await engine.fresh();
    await createUsers(db);
    await db.createIndex({ ...USERS, indexName: 'by_email', columns: ['email'] });
    await expectFailsCleanly(
      db,
      () => db.alterTable({ ...USERS, alteration: { type: 'dropColumn', name: 'id' } }),
      ValidationError,
      'VALIDATION',
      "'p.s.users'",
      "primary key column 'id'",
    );
    await expectFailsCleanly(
      db,
      () => db.alterTable({ ...USERS, alteration: { type: 'dropColumn', name: 'email' } }),
      ValidationError,
      'VALIDATION',
      "'email'",
      "index 'by_email'",
    );
    await expectFailsCleanly(
      db,
      () => db.alterTable({ ...USERS, alteration: { type: 'dropColumn', name: 'nope' } }),
      NotFoundError,
      'NOT_FOUND',
      "'p.s.users'",
      'nope',
    );
  });

  it('renames columns: primary key and index references follow, rows stay readable', async () => {
    const { db } = await engine.fresh(NO_CHECKPOINT_ON_CLOSE);
    await createUsers(db);
    await insertUsers(db, 5);
    await db.createIndex({ ...USERS, indexName: 'by_name', columns: ['name', 'id'] });
    await db.alterTable({
      ...USERS,
      alteration: { type: 'renameColumn', from: 'id', to: 'user_id' },
    });
    await db.alterTable({
      ...USERS,
      alteration: { type: 'renameColumn', from: 'name', to: 'login' },
    });
    const check = async (target: AedbInstance) => {
      const schema = await target.describeTable('p', 's', 'users');
      expect(schema.primaryKey).toEqual(['user_id']);
      expect(schema.indexes).toEqual([
        expect.objectContaining({ name: 'by_name', columns: ['login', 'user_id'] }),
      ]);
      expect(schema.columns.map((c) => c.name)).toEqual(['user_id', 'login', 'age', 'email']);
      const rows = await allRows(target, 'users');
      expect(rows[0]).toEqual({ user_id: 1, login: 'n1', age: null, email: 'e1' });
      expect(rows).toHaveLength(5);
      const res = await target.query(
        'p',
        's',
        Query.select('user_id').from('users').where(Expr.eq('login', 'n3')),
      );
      expect(res.rows).toEqual([{ user_id: 3 }]);
      expect(res.plan).toMatchObject({ kind: 'indexEq', index: 'by_name' });
    };
    // Writes use the new names; the old ones are unknown.
    await db.commit({
      type: 'updateFields',
      ...USERS,
      primaryKey: { user_id: 2 },
      fields: { login: 'two' },
    });
    await db.commit({
      type: 'updateFields',
      ...USERS,
      primaryKey: { user_id: 2 },
      fields: { login: 'n2' },
    });
    await expectFailsCleanly(
      db,
      () => db.commit({ type: 'insert', ...USERS, row: { id: 9, name: 'x' } }),
      ValidationError,
      'VALIDATION',
      "'id'",
    );
    await expectRejects(
      db.query('p', 's', Query.select('*').from('users').where(Expr.eq('name', 'n1'))),
      ValidationError,
      'VALIDATION',
      'name',
    );
    await checkAcrossReopens(engine, db, check);
  });

  it('rejects renaming to an existing or bad name, or from an unknown column', async () => {
    const { db } = await engine.fresh();
    await createUsers(db);
    await expectFailsCleanly(
      db,
      () =>
        db.alterTable({
          ...USERS,
          alteration: { type: 'renameColumn', from: 'name', to: 'email' },
        }),
      AlreadyExistsError,
      'ALREADY_EXISTS',
      "'email'",
    );
    await expectFailsCleanly(
      db,
      () =>
        db.alterTable({ ...USERS, alteration: { type: 'renameColumn', from: 'name', to: 'a b' } }),
      ValidationError,
      'VALIDATION',
      'column name',
    );
    await expectFailsCleanly(
      db,
      () =>
        db.alterTable({ ...USERS, alteration: { type: 'renameColumn', from: 'nope', to: 'x' } }),
      NotFoundError,
      'NOT_FOUND',
      'nope',
    );
  });

  it('rejects an unknown alteration and a missing table', async () => {
    const { db } = await engine.fresh();
    await createUsers(db);
    await expectFailsCleanly(
      db,
      () =>
        db.alterTable({
          ...USERS,
          alteration: { type: 'retype' } as unknown as { type: 'dropColumn'; name: string },
        }),
      ValidationError,
      'VALIDATION',
      "'p.s.users'",
      'retype',
    );
    await expectFailsCleanly(
      db,
      () =>
        db.alterTable({
          ...USERS,
          tableName: 'nope',
          alteration: { type: 'dropColumn', name: 'x' },
        }),
      NotFoundError,
      'NOT_FOUND',
      "table 'p.s.nope'",
    );
  });
});

describe('dropTable', () => {
  it('drops a table with its rows and indexes; a re-created table starts empty', async () => {
    const { db } = await engine.fresh(NO_CHECKPOINT_ON_CLOSE);
    await createUsers(db);
    await db.createIndex({ ...USERS, indexName: 'by_name', columns: ['name'] });
    await insertUsers(db, 4);
    await db.dropTable(USERS);
    expect(await db.tableExists('p', 's', 'users')).toBe(false);
    await expectRejects(
      db.query('p', 's', Query.select('*').from('users')),
      NotFoundError,
      'NOT_FOUND',
      "table 'p.s.users'",
    );
    await db.createTable(
      table(
        [
          { name: 'id', type: 'integer' },
          { name: 'name', type: 'text' },
        ],
        ['id'],
        'users',
      ),
    );
    await db.createIndex({ ...USERS, indexName: 'by_name', columns: ['name'] });
    await checkAcrossReopens(engine, db, async (target) => {
      expect(await allRows(target, 'users')).toEqual([]);
      const res = await target.query(
        'p',
        's',
        Query.select('*').from('users').where(Expr.eq('name', 'n1')),
      );
      expect(res.rows).toEqual([]);
      expect(res.plan.kind).toBe('indexEq');
    });
  });

  it('rejects a missing table with NOT_FOUND naming it, unless ifExists', async () => {
    const { db } = await engine.fresh();
    await createScope(db);
    await expectFailsCleanly(
      db,
      () => db.dropTable({ ...USERS, tableName: 'nope' }),
      NotFoundError,
      'NOT_FOUND',
      "table 'p.s.nope'",
    );
    await db.dropTable({ ...USERS, tableName: 'nope', ifExists: true });
    await expectFailsCleanly(
      db,
      () => db.dropTable({ ...USERS, scopeId: 'nope' }),
      NotFoundError,
      'NOT_FOUND',
      "scope 'p.nope'",
    );
  });
});

describe('indexes', () => {
  it('creates an index over existing rows and keeps it current', async () => {
    const { db } = await engine.fresh();
    await createUsers(db);
    await insertUsers(db, 10);
    const q = Query.select('id').from('users').where(Expr.eq('age', 4));
    expect((await db.query('p', 's', q)).plan.kind).toBe('fullScan');
    await db.createIndex({ ...USERS, indexName: 'by_age', columns: ['age'] });
    const schema = await db.describeTable('p', 's', 'users');
    expect(schema.indexes).toEqual([
      expect.objectContaining({ name: 'by_age', columns: ['age'], unique: false }),
    ]);
    const res = await db.query('p', 's', q);
    expect(res.plan).toMatchObject({ kind: 'indexEq', index: 'by_age' });
    expect(res.rows).toEqual([{ id: 4 }]);
    await db.commit({ type: 'updateFields', ...USERS, primaryKey: [6], fields: { age: 4 } });
    await db.commit({ type: 'delete', ...USERS, primaryKey: [4] });
    expect((await db.query('p', 's', q)).rows).toEqual([{ id: 6 }]);
  });

  it('rejects a unique index over duplicate values with ALREADY_EXISTS and changes nothing', async () => {
    const { db } = await engine.fresh(NO_CHECKPOINT_ON_CLOSE);
    await createUsers(db);
    await insertUsers(db, 4);
    await db.commit({ type: 'updateFields', ...USERS, primaryKey: [3], fields: { name: 'n1' } });
    await expectFailsCleanly(
      db,
      () => db.createIndex({ ...USERS, indexName: 'u_name', columns: ['name'], unique: true }),
      AlreadyExistsError,
      'ALREADY_EXISTS',
      "'p.s.users'",
      "'u_name'",
    );
    expect((await db.describeTable('p', 's', 'users')).indexes).toEqual([]);
    // The failed build left nothing behind: after fixing the data the same index builds.
    await db.commit({ type: 'updateFields', ...USERS, primaryKey: [3], fields: { name: 'n3' } });
    await db.createIndex({ ...USERS, indexName: 'u_name', columns: ['name'], unique: true });
    const res = await db.query(
      'p',
      's',
      Query.select('id').from('users').where(Expr.eq('name', 'n3')),
    );
    expect(res.rows).toEqual([{ id: 3 }]);
    expect(res.plan.kind).toBe('indexEq');
    await checkAcrossReopens(engine, db, async (target) => {
      const schema = await target.describeTable('p', 's', 'users');
      expect(schema.indexes.map((i) => i.name)).toEqual(['u_name']);
      await expectFailsCleanly(
        target,
        () => target.commit({ type: 'insert', ...USERS, row: { id: 99, name: 'n2' } }),
        AlreadyExistsError,
        'ALREADY_EXISTS',
        "'u_name'",
      );
    });
  });

  it('allows a unique index over repeated nulls', async () => {
    const { db } = await engine.fresh();
    await createUsers(db);
    await insertUsers(db, 4); // age is null for odd ids
    await db.createIndex({ ...USERS, indexName: 'u_age', columns: ['age'], unique: true });
    await db.commit({ type: 'insert', ...USERS, row: { id: 5, name: 'n5', age: null } });
    expect(await allRows(db, 'users')).toHaveLength(5);
  });

  const badIndexes: [string, Record<string, unknown>, NotFoundErrorOrValidation, string[]][] = [
    ['an unknown column', { indexName: 'i', columns: ['nope'] }, 'VALIDATION', ['nope']],
    ['a json column', { indexName: 'i', columns: ['doc'] }, 'VALIDATION', ["'doc'", 'json']],
    ['no columns', { indexName: 'i', columns: [] }, 'VALIDATION', ["'i'"]],
    ['a bad name', { indexName: 'bad name', columns: ['id'] }, 'VALIDATION', ['index name']],
    [
      'a non-boolean unique',
      { indexName: 'i', columns: ['id'], unique: 'yes' },
      'VALIDATION',
      ["'i'", 'unique'],
    ],
    [
      'a missing table',
      { tableName: 'nope', indexName: 'i', columns: ['id'] },
      'NOT_FOUND',
      ["'p.s.nope'"],
    ],
  ];

  it.each(badIndexes)('rejects an index on %s', async (_label, extra, code, mentions) => {
    const { db } = await engine.fresh();
    await createScope(db);
    await db.createTable(
      table(
        [
          { name: 'id', type: 'integer' },
          { name: 'doc', type: 'json' },
        ],
        ['id'],
      ),
    );
    const op = { projectId: 'p', scopeId: 's', tableName: 't', ...extra } as Parameters<
      AedbInstance['createIndex']
    >[0];
    await expectFailsCleanly(
      db,
      () => db.createIndex(op),
      code === 'VALIDATION' ? ValidationError : NotFoundError,
      code,
      ...mentions,
    );
  });

  it('rejects a duplicate index name with ALREADY_EXISTS, unless ifNotExists', async () => {
    const { db } = await engine.fresh();
    await createUsers(db);
    await db.createIndex({ ...USERS, indexName: 'i', columns: ['name'] });
    await expectFailsCleanly(
      db,
      () => db.createIndex({ ...USERS, indexName: 'i', columns: ['age'] }),
      AlreadyExistsError,
      'ALREADY_EXISTS',
      "index 'i'",
      "'p.s.users'",
    );
    await db.createIndex({ ...USERS, indexName: 'i', columns: ['age'], ifNotExists: true });
    expect((await db.describeTable('p', 's', 'users')).indexes[0].columns).toEqual(['name']);
  });

  it('drops an index; a missing one is NOT_FOUND naming it, unless ifExists', async () => {
    const { db } = await engine.fresh();
    await createUsers(db);
    await insertUsers(db, 3);
    await db.createIndex({ ...USERS, indexName: 'by_name', columns: ['name'] });
    await db.dropIndex({ ...USERS, indexName: 'by_name' });
    expect((await db.describeTable('p', 's', 'users')).indexes).toEqual([]);
    const res = await db.query(
      'p',
      's',
      Query.select('id').from('users').where(Expr.eq('name', 'n2')),
    );
    expect(res.plan.kind).toBe('fullScan');
    expect(res.rows).toEqual([{ id: 2 }]);
    await expectFailsCleanly(
      db,
      () => db.dropIndex({ ...USERS, indexName: 'by_name' }),
      NotFoundError,
      'NOT_FOUND',
      "index 'by_name'",
      "'p.s.users'",
    );
    await db.dropIndex({ ...USERS, indexName: 'by_name', ifExists: true });
    // The column is droppable now.
    await db.alterTable({ ...USERS, alteration: { type: 'dropColumn', name: 'name' } });
  });

  it('re-creating a dropped index rebuilds it from the current rows', async () => {
    const { db } = await engine.fresh();
    await createUsers(db);
    await insertUsers(db, 3);
    await db.createIndex({ ...USERS, indexName: 'by_name', columns: ['name'] });
    await db.dropIndex({ ...USERS, indexName: 'by_name' });
    await db.commit({
      type: 'updateFields',
      ...USERS,
      primaryKey: [1],
      fields: { name: 'changed' },
    });
    await db.createIndex({ ...USERS, indexName: 'by_name', columns: ['name'] });
    const q = (name: string) =>
      db.query('p', 's', Query.select('id').from('users').where(Expr.eq('name', name)));
    expect((await q('n1')).rows).toEqual([]);
    expect((await q('changed')).rows).toEqual([{ id: 1 }]);
  });
});

describe('catalog reads', () => {
  it('validate names and report missing parents with NOT_FOUND', async () => {
    const { db } = await engine.fresh();
    await createUsers(db);
    await expectRejects(db.listTables('p', 'nope'), NotFoundError, 'NOT_FOUND', "scope 'p.nope'");
    await expectRejects(
      db.describeTable('p', 's', 'nope'),
      NotFoundError,
      'NOT_FOUND',
      "table 'p.s.nope'",
    );
    await expectRejects(
      db.describeTable('p', 's', 'a b'),
      ValidationError,
      'VALIDATION',
      'table name',
    );
    await expectRejects(db.scopeExists('p', ''), ValidationError, 'VALIDATION', 'scope name');
    await expectRejects(
      db.tableExists('a b', 's', 't'),
      ValidationError,
      'VALIDATION',
      'project name',
    );
    expect(await db.scopeExists('nope', 's')).toBe(false);
    expect(await db.tableExists('p', 'nope', 't')).toBe(false);
  });

  it('return a schema that cannot be modified by the caller', async () => {
    const { db } = await engine.fresh();
    await createUsers(db);
    const schema = await db.describeTable('p', 's', 'users');
    expect(() => (schema.columns as unknown as unknown[]).push({})).toThrow();
    expect((await db.describeTable('p', 's', 'users')).columns).toHaveLength(4);
  });

  it('keep the whole catalog across reopen', async () => {
    const { db } = await engine.fresh(NO_CHECKPOINT_ON_CLOSE);
    await createUsers(db);
    await db.createScope('p', 'b');
    await db.createProject('q');
    await db.createIndex({ ...USERS, indexName: 'i', columns: ['age', 'name'], unique: true });
    await db.alterTable({
      ...USERS,
      alteration: { type: 'addColumn', column: { name: 'extra', type: 'json', nullable: true } },
    });
    const before = dumpState(db);
    await checkAcrossReopens(engine, db, (target) => {
      expect(dumpState(target)).toEqual(before);
    });
  });
});

type NotFoundErrorOrValidation = 'NOT_FOUND' | 'VALIDATION';
