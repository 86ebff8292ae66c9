export { freePort } from '@fleetwire/test-kit';
