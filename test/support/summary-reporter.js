// Prints the run's totals as one plain closing line ("N passed, N failed, N skipped") that CI reads;
// on stderr, after Jest's own summary, which Jest also writes there.
class SummaryReporter {
  onRunComplete(_contexts, results) {
    const skipped = results.numPendingTests + results.numTodoTests;
    process.stderr.write(
      `\nTests: ${results.numPassedTests} passed, ${results.numFailedTests} failed, ${skipped} skipped\n`,
    );
  }
}
module.exports = SummaryReporter;
