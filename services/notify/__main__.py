from services.notify.service import NotifyService

NotifyService().run()
