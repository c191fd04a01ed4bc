from studygroups.views import archives, attendance, imports, org, records, sessions

app_name = "studygroups"

# Each views module declares its own routes, so features stay in their own files.
urlpatterns = (
    org.urlpatterns
    + imports.urlpatterns
    + sessions.urlpatterns
    + attendance.urlpatterns
    + records.urlpatterns
    + archives.urlpatterns
)
