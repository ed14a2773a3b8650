import Testing

@testable import Telemetry

@Suite struct ExpositionWriterTests {
    @Test func labelValuesAreEscaped() {
        let family = MetricFamily.single(
            "warden_test_info", .gauge, "Help with a \\ backslash\nand a newline.",
            [([("path", #"C:\dir"#), ("quote", #"say "hi""#), ("lines", "a\nb")], 1)])
        let text = ExpositionWriter.write([family], format: .prometheus004)
        #expect(text == #"""
            # HELP warden_test_info Help with a \\ backslash\nand a newline.
            # TYPE warden_test_info gauge
            warden_test_info{path="C:\\dir",quote="say \"hi\"",lines="a\nb"} 1

            """#)
    }

    @Test func openMetricsNamesCountersWithoutTotalAndEndsWithEOF() {
        let counter = MetricFamily.single("warden_child_restarts_total", .counter, "Restarts.", [([("child", "engine")], 3)])
        let text = ExpositionWriter.write([counter], format: .openMetrics100)
        #expect(text == """
            # HELP warden_child_restarts Restarts.
            # TYPE warden_child_restarts counter
            warden_child_restarts_total{child="engine"} 3
            # EOF

            """)
        #expect(!ExpositionWriter.write([counter], format: .prometheus004).contains("# EOF"))
    }

    @Test func histogramsHaveCumulativeBucketsInfSumAndCount() {
        let family = MetricFamily.histogram(
            "warden_x_seconds", "X.", labels: [("handler", "/metrics")], buckets: [(0.005, 2), (0.01, 5)], sum: 0.04,
            count: 6)
        let lines = ExpositionWriter.write([family], format: .prometheus004).split(separator: "\n").dropFirst(2)
        #expect(Array(lines) == [
            #"warden_x_seconds_bucket{handler="/metrics",le="0.005"} 2"#,
            #"warden_x_seconds_bucket{handler="/metrics",le="0.01"} 5"#,
            #"warden_x_seconds_bucket{handler="/metrics",le="+Inf"} 6"#,
            #"warden_x_seconds_sum{handler="/metrics"} 0.04"#,
            #"warden_x_seconds_count{handler="/metrics"} 6"#,
        ])
    }

    @Test func aCarriageReturnNewlineCannotSmuggleARawNewlineIntoALabel() {
        #expect(ExpositionWriter.escapeLabelValue("a\r\nb") == "a\r\\nb")
        #expect(!ExpositionWriter.escapeLabelValue("x\r\ny\nz").contains("\n"))
    }

    @Test func openMetricsQuotesInHelpAndCountersWithoutTotal() {
        let families = [
            MetricFamily.single("w_requests", .counter, #"Say "hi"."#, [([], 1)]),
        ]
        let text = ExpositionWriter.write(families, format: .openMetrics100)
        #expect(text.contains(#"# HELP w_requests Say \"hi\"."#))
        #expect(text.contains("# TYPE w_requests unknown"), "a counter not named _total cannot be an OpenMetrics counter")
    }

    @Test func valuesUseTheFormatsSpelling() {
        #expect(ExpositionWriter.formatValue(.infinity) == "+Inf")
        #expect(ExpositionWriter.formatValue(-.infinity) == "-Inf")
        #expect(ExpositionWriter.formatValue(.nan) == "NaN")
        #expect(ExpositionWriter.formatValue(42) == "42")
        #expect(ExpositionWriter.formatValue(0.1) == "0.1")
        #expect(ExpositionWriter.formatValue(1e300) == "1e+300")
    }

    @Test func acceptHeaderPicksTheFormat() {
        #expect(ExpositionWriter.Format(accept: "application/openmetrics-text; version=1.0.0,text/plain;q=0.5") == .openMetrics100)
        #expect(ExpositionWriter.Format(accept: "text/plain") == .prometheus004)
        #expect(ExpositionWriter.Format(accept: nil) == .prometheus004)
    }
}

@Suite struct ExpositionParserTests {
    @Test func whatTheWriterWritesParsesBack() throws {
        let families = [
            MetricFamily.single("a_total", .counter, "A.", [([("k", #"q"u\o"te"#)], 1.5)]),
            MetricFamily.histogram("b_seconds", "B.", buckets: [(0.1, 1)], sum: 0.05, count: 1),
            MetricFamily.single("c", .gauge, "C.", [([], .infinity)]),
        ]
        let parsed = try ExpositionParser.parse(ExpositionWriter.write(families, format: .prometheus004))
        #expect(parsed == families)
    }

    @Test func garbageIsAnErrorNamingTheLine() {
        #expect(throws: ExpositionParser.ParseError(line: 2, reason: "expected a sample value")) {
            try ExpositionParser.parse("ok_metric 1\nbroken_metric one\n")
        }
        #expect(throws: ExpositionParser.ParseError(line: 1, reason: "unterminated label value")) {
            try ExpositionParser.parse("m{a=\"open} 1\n")
        }
        #expect(throws: ExpositionParser.ParseError.self) { try ExpositionParser.parse("<html>oops</html>") }
        #expect(throws: ExpositionParser.ParseError.self) { try ExpositionParser.parse("# TYPE m sometype\n") }
    }

    @Test func helpIsUnescapedInOnePass() {
        #expect(ExpositionParser.unescapeHelp(#"a\\nb"#) == #"a\nb"#, "an escaped backslash before n stays a backslash and an n")
        #expect(ExpositionParser.unescapeHelp(#"line\nnext"#) == "line\nnext")
    }

    @Test func timestampsAndUntypedSamplesAreAccepted() throws {
        let parsed = try ExpositionParser.parse("m{a=\"1\"} 2 1700000000000\n")
        #expect(parsed == [MetricFamily(name: "m", kind: .untyped, help: "", samples: [.init(labels: [("a", "1")], value: 2)])])
    }
}

@Suite struct RelabelingParserTests {
    @Test func workerLinesAreKeptWithTheChildLabelAddedAndTimestampsDropped() throws {
        let families = try ExpositionParser.parse(
            "# HELP a_total A.\n# TYPE a_total counter\na_total{x=\"1\",} 2 1700000000000\nb 3e-05\n"
                + "# TYPE h histogram\nh_bucket{le=\"+Inf\"} 4\nh_count 4\n",
            relabel: "engine")
        #expect(families.map(\.name) == ["a_total", "b", "h"])
        #expect(families[0].renderedSamples == [#"a_total{child="engine",x="1"} 2"#])
        #expect(families[1].renderedSamples == [#"b{child="engine"} 3e-05"#])
        #expect(families[2].renderedSamples == [#"h_bucket{child="engine",le="+Inf"} 4"#, #"h_count{child="engine"} 4"#])
    }

    @Test func aWorkerCannotKeepItsOwnChildLabel() throws {
        let families = try ExpositionParser.parse(#"c{y="2",child="spoof"} 1"# + "\n", relabel: "api")
        #expect(families[0].renderedSamples.isEmpty)
        #expect(families[0].samples[0].labels.map(\.0) == ["child", "y"])
        #expect(families[0].samples[0].labels.map(\.1) == ["api", "2"])
    }

    @Test func garbageIsStillRefusedOnTheCheapPath() {
        #expect(throws: ExpositionParser.ParseError.self) { try ExpositionParser.parse("<html>\n", relabel: "api") }
        #expect(throws: ExpositionParser.ParseError.self) { try ExpositionParser.parse("m{a=\"x} 1\n", relabel: "api") }
        #expect(throws: ExpositionParser.ParseError.self) { try ExpositionParser.parse("m{a=\"x\"} many\n", relabel: "api") }
        #expect(throws: ExpositionParser.ParseError.self) { try ExpositionParser.parse("m{9a=\"x\"} 1\n", relabel: "api") }
        #expect(throws: ExpositionParser.ParseError(line: 2, reason: "expected a metric name")) {
            try ExpositionParser.parse("ok 1\n9lives 1\n", relabel: "api")
        }
    }

    @Test func aChildNameIsEscapedInTheLabelItAdds() throws {
        let families = try ExpositionParser.parse("m 1\n", relabel: #"odd"name\"#)
        #expect(families[0].renderedSamples == [#"m{child="odd\"name\\"} 1"#])
    }

    @Test func mergedOutputParsesBackToTheSameSeries() throws {
        let worker = try ExpositionParser.parse("# TYPE process_open_fds gauge\nprocess_open_fds 18\nq{k=\"a\\\"b\"} 1\n", relabel: "engine")
        let own = [MetricFamily.single("process_open_fds", .gauge, "Open fds.", [([], 30)])]
        let merged = MetricMerger.merge(own, children: [("engine", worker)]).families
        let text = ExpositionWriter.write(merged, format: .prometheus004)
        let reparsed = try ExpositionParser.parse(text)
        #expect(reparsed[0].samples.map(\.value) == [30, 18])
        #expect(reparsed[0].samples[1].labels.map(\.1) == ["engine"])
        #expect(reparsed[1].samples[0].labels.map(\.1) == ["engine", #"a"b"#])
    }
}

@Suite struct MetricMergerTests {
    @Test func workerSeriesGetAChildLabelAndSharedFamiliesMerge() {
        let own = [MetricFamily.single("process_open_fds", .gauge, "Open fds.", [([], 30)])]
        let engine = [
            MetricFamily.single("process_open_fds", .gauge, "Open fds.", [([], 18)]),
            MetricFamily.single("warden_engine_orders_total", .counter, "", [([("child", "spoofed")], 4)]),
        ]
        let (merged, conflicts) = MetricMerger.merge(own, children: [("engine", engine)])
        #expect(conflicts.isEmpty)
        #expect(merged.count == 2)
        #expect(merged[0].samples.map(\.value) == [30, 18])
        #expect(merged[0].samples[1].labels.map(\.1) == ["engine"])
        #expect(merged[1].samples[0].labels.map(\.0) == ["child"], "a worker cannot pass itself off as another child")
        #expect(merged[1].samples[0].labels.map(\.1) == ["engine"])
        #expect(!merged[1].help.isEmpty)
    }

    @Test func aFamilyOfAnotherTypeIsDroppedAndReported() {
        let own = [MetricFamily.single("x", .gauge, "X.", [([], 1)])]
        let (merged, conflicts) = MetricMerger.merge(own, children: [("api", [MetricFamily.single("x", .counter, "X.", [([], 2)])])])
        #expect(merged == own)
        #expect(conflicts == [MetricMerger.Conflict(child: "api", family: "x", reason: "type counter differs from gauge")])
    }
}
