/** Every metric Weir exports, in one place. Labels `topology`, `operator`, `output` follow DESIGN.md. */
export const metricNames = {
  recordsIn: 'weir_records_in_total',
  recordsOut: 'weir_records_out_total',
  operatorLatency: 'weir_operator_batch_latency_seconds',
  endToEndLatency: 'weir_end_to_end_latency_seconds',
  consumerLag: 'weir_consumer_lag_records',
  transactionCommits: 'weir_transaction_commits_total',
  transactionAborts: 'weir_transaction_aborts_total',
  commitDuration: 'weir_commit_duration_seconds',
  rejects: 'weir_rejected_records_total',
  stateOperations: 'weir_state_operations_total',
  validationFailures: 'weir_validation_failures_total',
  validationRecords: 'weir_validation_records_total',
  validationRejectionRatio: 'weir_validation_rejection_ratio',
  sinkWrites: 'weir_sink_writes_total',
  sinkWriteDuration: 'weir_sink_write_seconds',
  sinkLag: 'weir_sink_lag_records',
} as const;
