import Hummingbird

/// The web dashboard: one page, one stylesheet and one script of Warden's own, served from the
/// binary. They need no login to load (they hold no data); everything they show comes from
/// /api/v1 with the user's token, so a role sees and may do exactly what the API allows it.
enum DashboardRoutes {
    static let assets: [(path: String, type: String, body: String)] = [
        ("/dashboard", "text/html; charset=utf-8", DashboardAssets.html),
        ("/dashboard/app.css", "text/css; charset=utf-8", DashboardAssets.css),
        ("/dashboard/app.js", "text/javascript; charset=utf-8", DashboardAssets.script),
    ]

    static func add(to router: Router<APIRequestContext>) {
        for asset in assets {
            let bytes = ByteBuffer(string: asset.body)
            router.get(RouterPath(asset.path)) { _, _ in
                Response(status: .ok, headers: [.contentType: asset.type], body: ResponseBody(byteBuffer: bytes))
            }
        }
        router.get("/") { _, _ in Response(status: .found, headers: [.location: "/dashboard"]) }
    }
}
