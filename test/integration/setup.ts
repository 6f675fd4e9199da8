/** Integration tests boot real guests under TCG: allow minutes, not jest's 5 s default. */
jest.setTimeout(180_000);
