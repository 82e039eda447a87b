from cpaas.platform.serve import run
from cpaas.router.app import build_app
from cpaas.router.settings import RouterSettings


def main() -> None:
    settings = RouterSettings()
    run(build_app(settings), settings)


if __name__ == "__main__":
    main()
