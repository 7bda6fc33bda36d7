/** The in-memory fake scheduler of the core's tests is the one @gofer/testkit publishes. */
export { FakeScheduler, type FakeBehaviour } from '@gofer/testkit';
