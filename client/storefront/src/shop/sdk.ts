// The one door to the API: the generated SDK, from its source.
export * from '../../../sdk/src/index.js';
