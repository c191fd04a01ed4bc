from studygroups.views import (
    archives,
    articles,
    attendance,
    exams,
    imports,
    org,
    plans,
    readings,
    research,
    selfstudy,
    sessions,
)

app_name = "studygroups"

# Each views module declares its own routes, so features stay in their own files.
urlpatterns = (
    org.urlpatterns
    + imports.urlpatterns
    + sessions.urlpatterns
    + attendance.urlpatterns
    + plans.urlpatterns
    + readings.urlpatterns
    + selfstudy.urlpatterns
    + research.urlpatterns
    + articles.urlpatterns
    + exams.urlpatterns
    + archives.urlpatterns
)
