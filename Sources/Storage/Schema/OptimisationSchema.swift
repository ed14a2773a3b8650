extension Schema {
    /// Version 6: optimisation runs (what was searched, how, the best point and the overfitting
    /// measures) and their trials (each point with its figures and score).
    static let optimisation = Migration(
        version: 6, name: "optimisation",
        sqlite: [
            """
            CREATE TABLE optimisation_runs (
                id TEXT PRIMARY KEY, started_at INTEGER NOT NULL, finished_at INTEGER NOT NULL, actor TEXT NOT NULL, strategy TEXT NOT NULL,
                method TEXT NOT NULL, objective TEXT NOT NULL, seed INTEGER NOT NULL, evaluations INTEGER NOT NULL, best_parameters TEXT,
                best_score REAL, report TEXT NOT NULL)
            """,
            """
            CREATE TABLE optimisation_trials (
                run_id TEXT NOT NULL REFERENCES optimisation_runs (id) ON DELETE CASCADE, number INTEGER NOT NULL,
                parameters TEXT NOT NULL, score REAL, figures TEXT NOT NULL, PRIMARY KEY (run_id, number))
            """,
        ],
        postgres: [
            """
            CREATE TABLE optimisation_runs (
                id TEXT PRIMARY KEY, started_at BIGINT NOT NULL, finished_at BIGINT NOT NULL, actor TEXT NOT NULL, strategy TEXT NOT NULL,
                method TEXT NOT NULL, objective TEXT NOT NULL, seed BIGINT NOT NULL, evaluations INTEGER NOT NULL, best_parameters JSONB,
                best_score DOUBLE PRECISION, report JSONB NOT NULL)
            """,
            """
            CREATE TABLE optimisation_trials (
                run_id TEXT NOT NULL REFERENCES optimisation_runs (id) ON DELETE CASCADE, number INTEGER NOT NULL,
                parameters JSONB NOT NULL, score DOUBLE PRECISION, figures JSONB NOT NULL, PRIMARY KEY (run_id, number))
            """,
        ])
}
