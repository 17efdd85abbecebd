import Database from 'better-sqlite3';
import { SqliteStore } from '../../src/stores/sqlite/index.js';
import { describeJwtSessions } from './scenarios.js';

describeJwtSessions('SqliteStore', () => {
  const database = new Database(':memory:');
  const store = new SqliteStore({ database });
  return Promise.resolve({
    store,
    close: async () => {
      await store.close();
      database.close();
    },
  });
});
