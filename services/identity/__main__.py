from services.identity.service import IdentityService

IdentityService().run()
