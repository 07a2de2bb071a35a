export * from './temp-gruu-codec.js';
export * from './public-gruu.js';
export * from './gruu-targets.js';
export * from './binding-gruus.js';
