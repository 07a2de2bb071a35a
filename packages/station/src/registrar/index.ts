export * from './aor.js';
export * from './register-reply.js';
export * from './registrar-metrics.js';
export * from './registrar.js';
export * from './format-binding-contact.js';
export * from './http-date.js';
export * from './stateless-register-front.js';
export * from './challenge-threads/index.js';
