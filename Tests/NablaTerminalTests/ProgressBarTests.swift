import Testing

@testable import NablaSession
@testable import NablaTerminal

@Suite struct ProgressBarTests {
  @Test func lineShowsBarPercentageCountsRateAndTimeLeft() {
    let progress = Progress(
      label: ":check f", completed: 5_200_000, total: 10_000_000, elapsed: 43.3)
    let line = ProgressBar.render(progress, width: 79, unicode: true)
    #expect(line.hasPrefix(":check f  ███"))
    #expect(line.hasSuffix(" 52%  5.2M/10M  120k/s  40 s left"))
    #expect(line.unicodeScalars.count <= 79)
  }

  @Test func narrowTerminalsLoseTheBarFirst() {
    let progress = Progress(label: ":check f", completed: 10, total: 100, elapsed: 1)
    let line = ProgressBar.render(progress, width: 40, unicode: true)
    #expect(line == ":check f   10%  10/100  10/s  9 s left")
    #expect(ProgressBar.render(progress, width: 12, unicode: true).count == 12)
  }

  /// `:time` counts runs: the rate and the time left show as for any count.
  @Test func timeShowsItsRunsRateAndTimeLeft() {
    let progress = Progress(label: ":time forward (1/3)  run 3/7", completed: 3, total: 21, elapsed: 0.75)
    #expect(
      ProgressBar.render(progress, width: 100, unicode: false).hasSuffix(" 14%  3/21  4/s  5 s left"))
  }

  @Test func asciiBar() {
    #expect(ProgressBar.bar(0.5, width: 12, unicode: false) == "[#####.....]")
    #expect(ProgressBar.bar(1, width: 4, unicode: true) == "████")
  }

  @Test func countsAndDurations() {
    #expect(ProgressBar.formatCount(950) == "950")
    #expect(ProgressBar.formatCount(12_345) == "12k")
    #expect(ProgressBar.formatCount(1_600) == "1.6k")
    #expect(ProgressBar.formatCount(10_000_000) == "10M")
    #expect(ProgressBar.formatCount(2.5) == "2.5")
    #expect(ProgressBar.formatDuration(6.2) == "7 s")
    #expect(ProgressBar.formatDuration(125) == "2:05")
    #expect(ProgressBar.formatDuration(3723) == "1:02:03")
    #expect(ProgressBar.formatDuration(.infinity) == "--")
  }

  @Test func drawsOnlyAfterHalfASecondAndErases() {
    var written: [String] = []
    let bar = ProgressBar(columns: 80, unicode: false, canEraseLine: true) { written.append($0) }
    bar.finish()
    bar.report(Progress(label: ":time f", completed: 1, total: 3, elapsed: 0.3))
    #expect(written.isEmpty)
    bar.report(Progress(label: ":time f", completed: 2, total: 3, elapsed: 0.6))
    #expect(
      written.count == 1 && written[0].hasPrefix("\r:time f  [") && written[0].hasSuffix("\u{1B}[K")
    )
    bar.finish()
    #expect(written.last == "\r\u{1B}[K")
    bar.finish()
    #expect(written.count == 2)
  }

  @Test func withoutEraseLineSpacesCoverTheOldLine() {
    var written: [String] = []
    let bar = ProgressBar(columns: 80, unicode: false, canEraseLine: false) { written.append($0) }
    bar.report(Progress(label: ":check f", completed: 1, total: 3, elapsed: 1))
    let width = written[0].count - 1
    bar.finish()
    #expect(written.last == "\r" + String(repeating: " ", count: width) + "\r")
  }
}
