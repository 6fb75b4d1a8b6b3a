// Every ncurses call of the graph pane lives in this file (libedit's are in
// Platform/CLibraries.swift). The pane's logic is `PaneState`, which knows no C.
@preconcurrency import CNcurses
import NablaSession
import Synchronization

#if canImport(Glibc)
  @preconcurrency import Glibc
#endif

/// The full-screen graph pane of `:graph`.
///
///     if let problem = GraphPane.show(snapshot) { print(problem) }   // q returns
public enum GraphPane {
  /// Shows the pane on the terminal until `q`; returns nil, or why it could not open (not
  /// a terminal, an unknown `TERM`), in which case the terminal is untouched.
  /// `unicode`: whether the locale is UTF-8; without it the pane draws in ASCII.
  public static func show(_ snapshot: GraphSnapshot, unicode: Bool = true) -> String? {
    guard isatty(0) != 0 && isatty(1) != 0 else {
      return "the graph pane needs a terminal (stdin and stdout are not both one); the listing above shows the graph"
    }
    let term = getenv("TERM").map { String(cString: $0) } ?? ""
    guard !term.isEmpty && term != "dumb" else {
      return "the graph pane needs a terminal that can move the cursor, and TERM is \(term.isEmpty ? "not set" : "'\(term)'"); the listing shows the graph"
    }
    guard !snapshot.nodes.isEmpty else { return "the graph is empty" }
    setlocale(LC_ALL, "")
    // Resizes: the pane catches SIGWINCH itself for as long as it is open, and resizes
    // ncurses' screen when the flag is up. (ncurses installs its own handler only once per
    // process, and only where there is none: from the second pane on, nothing would catch
    // the signal.) No SA_RESTART, so a blocked `wget_wch` returns ERR (EINTR) at once.
    var lineEditorHandler = sigaction()
    var own = sigaction()
    own.__sigaction_handler.sa_handler = { _ in GraphPane.resized.store(true, ordering: .sequentiallyConsistent) }
    sigemptyset(&own.sa_mask)
    own.sa_flags = 0
    resized.store(false, ordering: .sequentiallyConsistent)
    sigaction(SIGWINCH, &own, &lineEditorHandler)
    // newterm (unlike initscr) returns nil for a terminal type it does not know.
    guard let screen = nabla_newterm(term) else {
      sigaction(SIGWINCH, &lineEditorHandler, nil)
      return "the graph pane cannot open: ncurses does not know the terminal type '\(term)' (TERM); the listing shows the graph"
    }
    set_term(screen)
    defer {
      endwin()
      delscreen(screen)
      sigaction(SIGWINCH, &lineEditorHandler, nil)
    }
    // raw: Ctrl-C arrives as a key (and quits the pane) rather than as a signal.
    raw()
    noecho()
    nonl()
    keypad(stdscr, true)
    curs_set(0)
    set_escdelay(25)
    let palette = Palette(colors: has_colors() && (getenv("NO_COLOR").map { $0.pointee == 0 } ?? true))

    var state = PaneState(snapshot, columns: Int(getmaxx(stdscr)), rows: Int(getmaxy(stdscr)), unicode: unicode)
    var failures = 0
    while !state.wantsToQuit {
      if resized.exchange(false, ordering: .sequentiallyConsistent), let size = System.terminalSize() {
        // resizeterm also queues KEY_RESIZE, which the next read returns (same size again).
        resizeterm(Int32(size.rows), Int32(size.columns))
        state.handle(.resize(columns: Int(getmaxx(stdscr)), rows: Int(getmaxy(stdscr))))
        clearok(stdscr, true)
      }
      draw(state.screen(), palette)
      guard let key = readKey() else {
        // ERR: interrupted by a signal, or input is gone; leave after repeated failures.
        // A resize is no failure (dragging a window sends many).
        if errno == EINTR && resized.load(ordering: .sequentiallyConsistent) { continue }
        failures += 1
        if failures > 50 || errno != EINTR { break }
        continue
      }
      failures = 0
      state.handle(key)
    }
    erase()
    refresh()
    return nil
  }

  /// Set by the pane's SIGWINCH handler.
  private static let resized = Atomic<Bool>(false)

  /// Puts the grid on the screen, one run of same-styled cells at a time.
  private static func draw(_ grid: CharacterGrid, _ palette: Palette) {
    let rows = min(grid.height, Int(getmaxy(stdscr)))
    let columns = min(grid.width, Int(getmaxx(stdscr)))
    for y in 0..<rows {
      var x = 0
      while x < columns {
        let style = grid.style(x: x, y: y)
        var run = ""
        let start = x
        while x < columns && grid.style(x: x, y: y) == style {
          run.append(grid.character(x: x, y: y))
          x += 1
        }
        attrset(palette.attributes(style))
        mvaddstr(Int32(y), Int32(start), run)
      }
    }
    attrset(0)
    refresh()
  }

  /// The next key, or nil on `ERR`.
  private static func readKey() -> PaneState.Key? {
    var ch: wint_t = 0
    let kind = wget_wch(stdscr, &ch)
    if kind == ERR { return nil }
    let code = Int32(bitPattern: ch)
    if kind == KEY_CODE_YES {
      switch code {
      case KEY_UP: return .up
      case KEY_DOWN: return .down
      case KEY_LEFT: return .left
      case KEY_RIGHT: return .right
      case KEY_SLEFT: return .character("H")
      case KEY_SRIGHT: return .character("L")
      case KEY_SR: return .character("K")
      case KEY_SF: return .character("J")
      case KEY_PPAGE: return .pageUp
      case KEY_NPAGE: return .pageDown
      case KEY_HOME: return .home
      case KEY_END: return .end
      case KEY_ENTER: return .enter
      case KEY_BACKSPACE, KEY_DC: return .backspace
      case KEY_RESIZE: return .resize(columns: Int(getmaxx(stdscr)), rows: Int(getmaxy(stdscr)))
      default: return .character("\u{0}")
      }
    }
    switch code {
    case 10, 13: return .enter
    case 9: return .tab
    case 27: return .escape
    case 8, 127: return .backspace
    default: return Unicode.Scalar(UInt32(code)).map { .character(Character($0)) } ?? .character("\u{0}")
    }
  }

  /// Cell styles as ncurses attributes, with colours when the terminal has them and
  /// `NO_COLOR` is not set.
  private struct Palette {
    let colors: Bool

    init(colors: Bool) {
      self.colors = colors
      guard colors else { return }
      start_color()
      use_default_colors()
      let pairs: [(Int16, Int16)] = [
        (Int16(COLOR_BLUE), -1), (Int16(COLOR_CYAN), -1), (Int16(COLOR_GREEN), -1), (Int16(COLOR_YELLOW), -1),
        (Int16(COLOR_RED), -1), (Int16(COLOR_WHITE), Int16(COLOR_RED)), (Int16(COLOR_MAGENTA), -1),
        (Int16(COLOR_BLACK), Int16(COLOR_YELLOW)), (Int16(COLOR_RED), -1),
      ]
      for (k, pair) in pairs.enumerated() { init_pair(Int16(k + 1), pair.0, pair.1) }
    }

    func attributes(_ style: CellStyle) -> Int32 {
      let bold = Int32(bitPattern: nabla_attribute_bold())
      let dim = Int32(bitPattern: nabla_attribute_dim())
      let reverse = Int32(bitPattern: nabla_attribute_reverse())
      func pair(_ k: Int32) -> Int32 { colors ? COLOR_PAIR(k) : 0 }
      switch style {
      case .plain: return 0
      case .dim, .zero: return dim
      case .level1: return pair(1)
      case .level2: return pair(2)
      case .level3: return pair(3)
      case .level4: return pair(4)
      case .level5: return pair(5) | bold
      case .nonFinite: return colors ? pair(6) | bold : reverse | bold
      case .edgeLabel: return pair(7)
      case .highlight: return colors ? pair(8) | bold : reverse | bold
      case .selected: return bold
      case .bar: return reverse
      case .warning: return colors ? pair(9) | bold : bold
      case .bold: return bold
      }
    }
  }
}
