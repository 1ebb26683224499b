// Loaded by jest in every test file after the framework (jest.config.js setupFilesAfterEnv).
import { stopPageWorker } from '../../src/lake/parquet/compress';

// A test file's Parquet page worker must not outlive it: jest reuses its worker processes for many files.
afterAll(() => stopPageWorker());
