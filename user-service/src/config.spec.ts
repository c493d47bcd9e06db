import { loadUserServiceConfig } from './config.js';

describe('user-service configuration', () => {
  it('defaults to port 3001, database user_service and 15-minute tokens', () => {
    expect(loadUserServiceConfig({})).toMatchObject({
      PORT: 3001,
      DB_DATABASE: 'user_service',
      JWT_EXPIRES_IN_SECONDS: 900,
    });
  });
});
