from pyramid.view import view_config


@view_config(route_name="home", renderer="home.jinja2", request_method="GET")
def home(request):
    return {"active_top": "home"}


@view_config(route_name="health", renderer="json", request_method="GET")
def health(request):
    return {"ok": True}
