from services.importer.service import ImporterService

ImporterService().run()
