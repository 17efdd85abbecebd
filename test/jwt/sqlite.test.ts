import { SqliteStore } from '../../src/stores/sqlite/index.js';
import { anySqlite } from '../support/sqlite-libraries.js';
import { describeJwtSessions } from './scenarios.js';

describeJwtSessions('SqliteStore', () => {
  const connection = anySqlite.open(':memory:');
  const store = new SqliteStore({ database: connection.database });
  return Promise.resolve({
    store,
    close: async () => {
      await store.close();
      connection.close();
    },
  });
});
