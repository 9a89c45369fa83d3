export * from './records';
export * from './seal';
export * from './report';
export { verifyReport, VerificationError, type Verified, type VerifyOptions } from './verify';
export {
  publishAnchor,
  deployAnchorContract,
  type AnchorChain,
  type AnchorReceipt,
} from './anchor';
export { ANCHOR_ABI, ANCHOR_BYTECODE, ANCHOR_SOLC_VERSION } from './anchor-artifact';
